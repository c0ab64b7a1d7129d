"""Offsets in JavaScript's units: a web annotation tool counts UTF-16 code units (a character outside the Basic
Multilingual Plane, such as most emoji or 𝕏, counts two), while propaganda-lens counts code points."""

from __future__ import annotations

from itertools import accumulate


class Utf16Offsets:
    """Converts the offsets of one text between code points and UTF-16 code units, both ways."""

    def __init__(self, text: str) -> None:
        # units[i]: the UTF-16 offset of code point i (and of the text's end, at len(text))
        self.units = [0, *accumulate(2 if ord(character) > 0xFFFF else 1 for character in text)]
        self.points = {unit: point for point, unit in enumerate(self.units)}

    def to_units(self, point: int) -> int:
        return self.units[point]

    def to_points(self, unit: int) -> int:
        """The code point at a UTF-16 offset; ValueError when it is outside the text or inside a character."""
        point = self.points.get(unit)
        if point is None:
            if 0 <= unit <= self.units[-1]:
                raise ValueError(f"UTF-16 offset {unit} falls inside a character")
            raise ValueError(f"offset {unit} lies outside the text ({self.units[-1]} UTF-16 code units)")
        return point
