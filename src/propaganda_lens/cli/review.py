"""`propaganda-lens corpus review …`: reviewers' corrections into and out of the corpus database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from propaganda_lens.cli.common import ModelOption, PlainUsage, fail, print_error, stderr
from propaganda_lens.cli.corpus import DatabaseOption, chosen_version, open_store

REVIEW_FORMATS = ("json",)

review_app = typer.Typer(
    help="Reviewers' corrections of the model's spans: import them into the corpus (stored beside the spans, "
    "never over them) and export them.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""Examples:

\b
  propaganda-lens corpus review import corrections.json --reviewer ana
  propaganda-lens corpus review export -o corrections.json""",
)

FormatOption = Annotated[str, typer.Option("--format", "-f", help="json: a corrections file.")]


def check_format(chosen: str) -> None:
    if chosen not in REVIEW_FORMATS:
        fail(f"--format must be {' or '.join(REVIEW_FORMATS)}")


@review_app.command("import", cls=PlainUsage)
def import_(
    file: Annotated[Path, typer.Argument(help="A corrections file (JSON), as the HTML report downloads it.",
                                         show_default=False, metavar="FILE")],
    reviewer: Annotated[str, typer.Option(help="The reviewer of the corrections that name none.")] = "",
    input_format: FormatOption = "json",
    db: DatabaseOption = None,
    model: ModelOption = None,
) -> None:
    """Store corrections: each article entry goes to the stored article with the same text (its SHA-256),
    under the model version it names, else the version of --model. Entries and corrections that cannot be
    stored get one line each, and the rest is stored."""
    from propaganda_lens.corpus.reviews import import_corrections
    from propaganda_lens.review.corrections import CorrectionsError, read_corrections

    check_format(input_format)
    try:
        items, problems = read_corrections(file)
    except CorrectionsError as error:
        fail(str(error))
    sessions = open_store(db)
    result = import_corrections(sessions, items, chosen_version(model), reviewer)
    left_out = problems + result.problems
    for problem in left_out:
        print_error(problem)
    stderr.print(f"{result.stored} corrections stored, {result.already_stored} already stored, "
                 f"{len(left_out)} left out", highlight=False)
    if left_out:
        raise typer.Exit(1)


@review_app.command("export")
def export(
    output: Annotated[str, typer.Option("-o", "--output", help="File to write, or - for standard output.")] = "-",
    output_format: FormatOption = "json",
    db: DatabaseOption = None,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="Only the corrections of this model's spans (a shipped model's name or a model "
        "folder); default: every stored correction.")] = None,
) -> None:
    """Write the stored corrections as a corrections file, one entry per article and model version."""
    from propaganda_lens.corpus.reviews import corrections_in
    from propaganda_lens.review.corrections import corrections_document, write_corrections

    check_format(output_format)
    sessions = open_store(db)
    items = [item for _, item in corrections_in(sessions, chosen_version(model) if model else None)]
    try:
        if output == "-":
            sys.stdout.write(json.dumps(corrections_document(items), ensure_ascii=False, indent=1) + "\n")
        else:
            write_corrections(Path(output), items)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    count, articles = sum(len(item.corrections) for item in items), len({item.text_sha256 for item in items})
    stderr.print(f"{count} corrections of {articles} article{'s' if articles != 1 else ''} written to "
                 f"{'standard output' if output == '-' else output} ({output_format})", highlight=False)
