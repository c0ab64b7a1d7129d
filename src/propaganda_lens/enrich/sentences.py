"""Sentence boundaries as character offsets, with a small rule set that suits news prose."""

from __future__ import annotations

import re

from propaganda_lens.detect.boundaries import ends_abbreviation

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by closing quotes or brackets)
# when whitespace and then an opening quote, bracket, digit or capital letter follow; a line break
# always ends a sentence.
_BOUNDARY = re.compile(r"""(?<=[.!?…])["'”’»)\]]*(?=\s+["'“‘«(\[]?[0-9A-ZÀ-ÖØ-Þ])|\n""")
def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """The [start, end) ranges of the sentences of `text`, whitespace trimmed, in order, none empty."""
    ranges = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        line_break = match.group() == "\n"
        if not line_break and ends_abbreviation(text, start, match.start()):
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
