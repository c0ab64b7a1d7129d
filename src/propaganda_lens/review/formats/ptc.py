"""PTC: the SemEval-2020 Task 11 label file (`ID<TAB>TECHNIQUE<TAB>start<TAB>end`, the FLC/TC rows that
`predict` writes and `evaluate` reads), with the article texts beside it as `article<ID>.txt`.

Export writes the label file and a folder `<name>-articles/` next to it, as the PTC lays out its articles, so a
reviewer sees the text the offsets count. The label file carries no text: import takes each article's stored text
(`texts`). Rows may overlap, as in the PTC's own gold labels. The format names no reviewer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from propaganda_lens.files import write_text_atomically
from propaganda_lens.ingest.ptc import PtcFormatError, parse_labels, write_labels
from propaganda_lens.review.formats.base import (
    FILE_NAME_ID, Annotated, FormatError, ReviewTask, technique_span, unique_spans,
)


def articles_folder(labels: Path) -> Path:
    """Where export puts the article texts of a label file."""
    return labels.with_name(f"{labels.stem}-articles")


def export(tasks: list[ReviewTask], out: Path) -> None:
    unfit = next((task.article for task in tasks if not FILE_NAME_ID.fullmatch(task.article)), None)
    if unfit is not None:
        raise FormatError(f"article id {unfit!r} cannot name a PTC label row or article file")
    folder = articles_folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        write_text_atomically(folder / f"article{task.article}.txt", task.text)
    write_labels(out, {task.article: [span for span in task.spans if span.technique] for task in tasks},
                 with_technique=True)


def import_file(path: Path, texts: Callable[[str], str | None]) -> tuple[list[Annotated], list[str]]:
    try:
        lines = Path(path).read_bytes().decode("utf-8-sig").split("\n")
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise FormatError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    rows: dict[str, list[tuple[int, object, int, int]]] = {}
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        try:
            for article, spans in parse_labels([line], str(path), first_line=number).items():
                rows.setdefault(article, []).extend((number, span.technique, span.start, span.end) for span in spans)
        except PtcFormatError as error:
            problems.append(f"{error}; left out")
    if not rows and problems:
        raise FormatError(f"{path} is not a PTC label file (ID, technique, start, end per row)")
    annotated = []
    for article, article_rows in rows.items():
        text = texts(article)
        if text is None:
            problems.append(f"{path}: article {article!r} has no stored text; its {len(article_rows)} rows are "
                            "left out")
            continue
        spans = []
        for number, technique, start, end in article_rows:
            try:
                spans.append(technique_span(start, end, technique, len(text)))
            except ValueError as error:
                problems.append(f"{path}:{number}: article {article!r}: {error}; left out")
        annotated.append(Annotated(article, text, unique_spans(spans)))
    return annotated, problems
