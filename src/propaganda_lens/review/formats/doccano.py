"""doccano: JSONL for a sequence-labelling project, one article a line.

A line is `{"text", "label": [[start, end, technique], ...], "article", "text_sha256"}`; doccano keeps the extra
keys as the example's metadata and writes them back at the top level of its export. doccano counts offsets in
UTF-16 code units (its editor is JavaScript), unless the project counts grapheme clusters; they are converted from
and to code points here. doccano keeps overlapping spans only in a project with "Allow overlapping entity".
Its export is a ZIP of one `<user>.jsonl` per annotator (or `all.jsonl` with collaborative annotation); a
ZIP member's name gives the reviewer.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

from propaganda_lens.data import text_sha256
from propaganda_lens.files import write_text_atomically
from propaganda_lens.review.formats.base import (
    Annotated, FormatError, ReviewTask, article_id, technique_span, unique_spans,
)
from propaganda_lens.review.formats.offsets import Utf16Offsets

COLLABORATIVE = "all"  # the export's file name when annotators share their labels


def line_of(task: ReviewTask) -> str:
    offsets = Utf16Offsets(task.text)
    labels = [[offsets.to_units(span.start), offsets.to_units(span.end), span.technique]
              for span in task.spans if span.technique]
    return json.dumps({"text": task.text, "label": labels, "article": task.article,
                       "text_sha256": text_sha256(task.text)}, ensure_ascii=False) + "\n"


def export(tasks: list[ReviewTask], out: Path) -> None:
    write_text_atomically(out, "".join(line_of(task) for task in tasks))


def annotated_of(line: str, where: str, reviewer: str, problems: list[str]) -> Annotated | None:
    try:
        item: Any = json.loads(line)
    except (ValueError, RecursionError) as error:
        problems.append(f"{where}: not JSON ({error}); left out")
        return None
    article = article_id(item.get("article")) if isinstance(item, dict) else None
    if article is None or not isinstance(item.get("text"), str):
        problems.append(f"{where}: needs \"text\" and an \"article\" id; left out")
        return None
    text = item["text"]
    where = f"{where} (article {article!r})"
    labels = item.get("label", [])
    if not isinstance(labels, list):
        problems.append(f"{where}: \"label\" is not a list; left out")
        return None
    offsets, spans = Utf16Offsets(text), []
    for index, label in enumerate(labels, 1):
        try:
            if not isinstance(label, list) or len(label) != 3:
                raise ValueError("a label is [start, end, technique]")
            start, end, technique = label
            if type(start) is not int or type(end) is not int:
                raise ValueError(f"offsets must be integers, got {start!r} and {end!r}")
            spans.append(technique_span(offsets.to_points(start), offsets.to_points(end), technique, len(text)))
        except ValueError as error:
            problems.append(f"{where}, label {index}: {error}; left out")
    return Annotated(article, text, unique_spans(spans), reviewer)


def annotated_in(data: bytes, origin: str, reviewer: str, problems: list[str]) -> list[Annotated]:
    """The articles of one JSONL file; FormatError when no line of it is a JSON object."""
    try:
        lines = data.decode("utf-8-sig").split("\n")  # not splitlines: a text may hold U+2028 or a form feed
    except UnicodeDecodeError as error:
        raise FormatError(f"{origin} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    lines = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    if lines and not any(line.lstrip().startswith("{") for _, line in lines):
        raise FormatError(f"{origin} is not doccano JSONL (one JSON object a line)")
    return [item for number, line in lines if (item := annotated_of(line, f"{origin}:{number}", reviewer, problems))]


def import_file(path: Path) -> tuple[list[Annotated], list[str]]:
    problems: list[str] = []
    try:
        if not zipfile.is_zipfile(path):
            return annotated_in(Path(path).read_bytes(), str(path), "", problems), problems
        annotated = []
        with zipfile.ZipFile(path) as archive:
            for member in sorted(name for name in archive.namelist() if name.endswith(".jsonl")):
                user = Path(member).stem
                try:
                    annotated += annotated_in(archive.read(member), f"{path}:{member}",
                                              "" if user == COLLABORATIVE else user, problems)
                except FormatError as error:
                    problems.append(f"{error}; left out")
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as error:
        raise FormatError(f"{path} is not a readable ZIP file: {error}") from None
    return annotated, problems
