"""The `propaganda-lens` Typer application: its help, the --version option and the callback. The command
modules (main, ptc, models, corpus, claims) register their commands on it."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    epilog="""Examples:

\b
  propaganda-lens analyze article.md                  a colored report on the terminal
  propaganda-lens analyze article.md -o report.html   a self-contained HTML report
  propaganda-lens analyze https://example.org/story -f json
  propaganda-lens analyze 'corpus/**/*.txt' -o reports/
  propaganda-lens serve                               the web page and REST API
  propaganda-lens corpus add 'pages/**/*.html'        store articles, then: corpus run, stats, report

Run 'propaganda-lens COMMAND -h' for a command's options.""",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def show_version(wanted: bool) -> None:
    if wanted:
        from propaganda_lens import __version__

        print(f"propaganda-lens {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Find propaganda techniques in news articles (SemEval-2020 Task 11 techniques)."""
