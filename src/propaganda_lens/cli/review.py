"""`propaganda-lens corpus review …`: reviewers' corrections into and out of the corpus database."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from propaganda_lens.cli.common import ModelOption, PlainUsage, fail, print_error, stderr
from propaganda_lens.cli.corpus import DatabaseOption, chosen_version, open_store
from propaganda_lens.review.formats import FORMATS

REVIEW_FORMATS = ("json", *FORMATS)

review_app = typer.Typer(
    help="Reviewers' corrections of the model's spans: import them into the corpus (stored beside the spans, "
    "never over them) and export them.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""Examples:

\b
  propaganda-lens corpus review import corrections.json --reviewer ana
  propaganda-lens corpus review export -o corrections.json
  propaganda-lens corpus review export -f label-studio -o tasks.json
  propaganda-lens corpus review import -f label-studio project-export.json""",
)

FormatOption = Annotated[str, typer.Option(
    "--format", "-f", help="json: a corrections file; label-studio, inception, doccano or ptc: an annotation "
    "tool's file of the model's spans (export) or of a reviewer's annotations (import).")]


def check_format(chosen: str) -> None:
    if chosen not in REVIEW_FORMATS:
        fail(f"--format must be one of {', '.join(REVIEW_FORMATS)}")


def file_time(path: Path) -> str:
    """When a file was last written, ISO 8601 UTC: the time of the decisions an annotation tool's file holds, so
    that importing the same file again stores nothing twice."""
    try:
        modified = path.stat().st_mtime
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    return datetime.fromtimestamp(modified, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@review_app.command("import", cls=PlainUsage)
def import_(
    file: Annotated[Path, typer.Argument(help="A corrections file (JSON), as the HTML report downloads it, or an "
                                         "annotation tool's export (-f).", show_default=False, metavar="FILE")],
    reviewer: Annotated[str, typer.Option(help="The reviewer of the corrections that name none.")] = "",
    input_format: FormatOption = "json",
    db: DatabaseOption = None,
    model: ModelOption = None,
) -> None:
    """Store corrections: each article entry goes to the stored article with the same text (its SHA-256),
    under the model version it names, else the version of --model. An annotation tool's file becomes the
    corrections that turn the spans of --model into the annotated ones, made at the file's time. Entries and
    corrections that cannot be stored get one line each, and the rest is stored."""
    from propaganda_lens.corpus.reviews import annotation_corrections, import_corrections, stored_text
    from propaganda_lens.review.corrections import CorrectionsError, read_corrections
    from propaganda_lens.review.formats import FormatError, import_annotations

    check_format(input_format)
    version = chosen_version(model)
    sessions = open_store(db)
    try:
        if input_format == "json":
            items, problems = read_corrections(file)
        else:
            annotated, problems = import_annotations(input_format, file, lambda name: stored_text(sessions, name))
            items = annotation_corrections(sessions, annotated, version, reviewer, file_time(file))
    except (CorrectionsError, FormatError) as error:
        fail(str(error))
    result = import_corrections(sessions, items, version, reviewer)
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
        "--model", "-m", help="json: only the corrections of this model's spans (a shipped model's name or a model "
        "folder; default: every stored correction); a tool's format: this model's spans (default: the default "
        "model's).")] = None,
) -> None:
    """Write the stored corrections as a corrections file, one entry per article and model version; or, for an
    annotation tool (-f), every article analyzed by --model with its spans, to review there."""
    from propaganda_lens.corpus.reviews import corrections_in
    from propaganda_lens.review.corrections import corrections_document, write_corrections

    check_format(output_format)
    sessions = open_store(db)
    if output_format != "json":
        export_tasks_for_tool(sessions, output_format, output, chosen_version(model))
        return
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


def export_tasks_for_tool(sessions, tool: str, output: str, version: str) -> None:
    from propaganda_lens.corpus.reviews import review_tasks
    from propaganda_lens.review.formats import FormatError, export_tasks

    if output == "-":
        fail(f"{tool} files are not written to standard output; give a file with -o")
    tasks = review_tasks(sessions, version)
    if not tasks:
        fail(f"no article has an analysis by {version} yet; run 'propaganda-lens corpus run' first")
    try:
        export_tasks(tool, tasks, Path(output))
    except FormatError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {error.filename or output}: {error.strerror}")
    stderr.print(f"{len(tasks)} article{'s' if len(tasks) != 1 else ''} with the spans of {version} written to "
                 f"{output} ({tool})", highlight=False, soft_wrap=True)
