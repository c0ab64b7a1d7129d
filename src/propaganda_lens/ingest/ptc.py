"""Reading and writing the Propaganda Techniques Corpus (PTC) formats of SemEval-2020 Task 11.

Articles are raw UTF-8 files named `article<ID>.txt`; a leading BOM is kept as character 0 because the
gold offsets count it. Label files are tab-separated rows:
- SI:  `ID  start  end`
- TC / FLC:  `ID  TECHNIQUE  start  end` (a TC template has `?` as technique).
Offsets are code points into the raw text, end exclusive.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from propaganda_lens.data import TECHNIQUES, Article, Span
from propaganda_lens.files import write_text_atomically

ARTICLE_NAME = re.compile(r"^article(\d+)\.txt$")
UNKNOWN_TECHNIQUE = "?"
# The NLP4IF-2019 release labels 18 techniques; SemEval-2020 merged the rare ones and dropped one.
# Rows with a 2019 label are read as the 2020 class (None: the row is skipped, as in 2020).
MERGED_2019_TECHNIQUES: dict[str, str | None] = {
    "Bandwagon": "Bandwagon,Reductio_ad_hitlerum",
    "Reductio_ad_hitlerum": "Bandwagon,Reductio_ad_hitlerum",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
    "Straw_Men": "Whataboutism,Straw_Men,Red_Herring",
    "Red_Herring": "Whataboutism,Straw_Men,Red_Herring",
    "Obfuscation,Intentional_Vagueness,Confusion": None,
}


class PtcFormatError(ValueError):
    """A file does not follow the PTC format; the message names the file and line."""


def read_article(path: Path) -> Article:
    """Read one `article<ID>.txt` exactly as stored (BOM and newlines kept)."""
    match = ARTICLE_NAME.match(path.name)
    if not match:
        raise PtcFormatError(f"{path}: article files must be named article<ID>.txt")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise PtcFormatError(f"{path}: not valid UTF-8 ({error.reason} at byte {error.start})") from None
    return Article(id=match.group(1), text=text, source=str(path))


def article_paths(folder: Path) -> list[Path]:
    """The `article<ID>.txt` files of a folder, sorted by ID."""
    if not folder.is_dir():
        raise PtcFormatError(f"{folder}: not a folder")
    paths = [path for path in folder.iterdir() if ARTICLE_NAME.match(path.name)]
    return sorted(paths, key=lambda path: int(ARTICLE_NAME.match(path.name).group(1)))


def read_articles(folder: Path) -> list[Article]:
    """All articles of a folder, sorted by ID."""
    return [read_article(path) for path in article_paths(folder)]


def parse_labels(lines: Iterable[str], origin: str = "<labels>", first_line: int = 1) -> dict[str, list[Span]]:
    """Parse SI, TC or FLC rows (detected per row by the column count) into spans per article ID; errors name
    the row's line number, counted from `first_line`.

    A `?` technique (a TC template row) gives a span without technique. The 2019 release's fine-grained
    labels are folded into the 2020 classes (see MERGED_2019_TECHNIQUES).
    """
    spans: dict[str, list[Span]] = defaultdict(list)
    for number, line in enumerate(lines, start=first_line):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) == 3:
            article_id, start, end = columns
            technique = None
        elif len(columns) == 4:
            article_id, technique, start, end = columns
            if technique == UNKNOWN_TECHNIQUE:
                technique = None
            elif technique in MERGED_2019_TECHNIQUES:
                technique = MERGED_2019_TECHNIQUES[technique]
                if technique is None:
                    continue
            elif technique not in TECHNIQUES:
                raise PtcFormatError(f"{origin}:{number}: unknown technique {technique!r}")
        else:
            raise PtcFormatError(f"{origin}:{number}: expected 3 or 4 tab-separated columns, got {len(columns)}")
        if not article_id or " " in article_id:
            raise PtcFormatError(f"{origin}:{number}: an article ID needs characters and no spaces, got {article_id!r}")
        try:
            span = Span(int(start), int(end), technique)
        except ValueError as error:
            raise PtcFormatError(f"{origin}:{number}: {error}") from None
        spans[article_id].append(span)
    return dict(spans)


def read_labels(path: Path) -> dict[str, list[Span]]:
    """Read a label file, or every `*.labels` file of a per-article label folder."""
    files = sorted(path.glob("*.labels")) if path.is_dir() else [path]
    if not files or not all(file.is_file() for file in files):
        raise PtcFormatError(f"{path}: no label file found")
    merged: dict[str, list[Span]] = defaultdict(list)
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for article_id, spans in parse_labels(handle, str(file)).items():
                merged[article_id].extend(spans)
    return dict(merged)


def clip_to_articles(labels: Mapping[str, list[Span]], articles: Mapping[str, Article]) -> dict[str, list[Span]]:
    """Cut spans that run past the end of their article (the 2019 release has three); drop empty ones."""
    clipped: dict[str, list[Span]] = {}
    for article_id, spans in labels.items():
        length = len(articles[article_id].text)
        clipped[article_id] = [
            Span(span.start, min(span.end, length), span.technique, span.probability)
            for span in spans
            if span.start < length
        ]
    return clipped


def format_labels(labels: Mapping[str, Iterable[Span]], with_technique: bool) -> str:
    """Rows in the PTC format: FLC/TC (`ID TECHNIQUE start end`) or SI (`ID start end`)."""
    rows = []
    for article_id in sorted(labels):
        for span in sorted(labels[article_id], key=lambda s: (s.start, s.end, s.technique or "")):
            if with_technique:
                rows.append(f"{article_id}\t{span.technique or UNKNOWN_TECHNIQUE}\t{span.start}\t{span.end}\n")
            else:
                rows.append(f"{article_id}\t{span.start}\t{span.end}\n")
    return "".join(rows)


def write_labels(path: Path, labels: Mapping[str, Iterable[Span]], with_technique: bool) -> None:
    """Write a label file that the SemEval scorers read."""
    write_text_atomically(path, format_labels(labels, with_technique))
