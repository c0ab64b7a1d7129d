"""Sentence boundaries as character offsets, with a small rule set that suits news prose."""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by closing quotes or brackets)
# when whitespace and then an opening quote, bracket, digit or capital letter follow; a line break
# always ends a sentence.
_BOUNDARY = re.compile(r"""(?<=[.!?…])["'”’»)\]]*(?=\s+["'“‘«(\[]?[0-9A-ZÀ-ÖØ-Þ])|\n""")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sen rep gov gen col lt sgt capt jr sr inc ltd co corp vs etc no fig e.g i.e u.s u.k u.n"
    .split()
)
_LONGEST_ABBREVIATION = max(len(word) for word in _ABBREVIATIONS)
# The word before a full stop, if it is short enough to be an abbreviation; searched in a bounded window, so
# the check costs the same however long the sentence is.
_LAST_WORD = re.compile(rf"(?<![\w.])([\w.]{{1,{_LONGEST_ABBREVIATION}}})\.$")


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether the full stop at text[end - 1] (in a sentence that began at `start`) ends an abbreviation."""
    match = _LAST_WORD.search(text, max(start, end - _LONGEST_ABBREVIATION - 1), end)
    if match is None:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or len(word) == 1  # initials such as "J. Smith"


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """The [start, end) ranges of the sentences of `text`, whitespace trimmed, in order, none empty."""
    ranges = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        line_break = match.group() == "\n"
        if not line_break and _is_abbreviation(text, start, match.start()):
            continue
        end = match.start() if line_break else match.end()
        ranges.append((start, end))
        start = end
    ranges.append((start, len(text)))
    trimmed = []
    for start, end in ranges:
        piece = text[start:end]
        stripped_start = start + (len(piece) - len(piece.lstrip()))
        stripped_end = end - (len(piece) - len(piece.rstrip()))
        if stripped_start < stripped_end:
            trimmed.append((stripped_start, stripped_end))
    return trimmed
