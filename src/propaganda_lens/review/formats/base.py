"""What every format shares: the task sent to a tool, the annotation read back, the corrections it amounts to, and
the checks that keep a bad item to one line while the rest is imported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from propaganda_lens.data import TECHNIQUES, Correction, Span

FILE_NAME_ID = re.compile(r"[^\s/\\]+")  # an article id that can name a file and a PTC label row


class FormatError(ValueError):
    """A file that cannot be read as the format at all; the message is one line meant for the user."""


@dataclass(slots=True)
class ReviewTask:
    """An article and the model's spans, to be reviewed in an annotation tool."""

    article: str
    text: str
    spans: list[Span]
    model: str | None = None


@dataclass(slots=True)
class Annotated:
    """An article's spans as a reviewer left them in an annotation tool; offsets are code points into `text`."""

    article: str
    text: str
    spans: list[Span]
    reviewer: str = ""


def article_id(value: Any) -> str | None:
    """An article id as a file gives it (a non-empty string, or an integer), else None."""
    if isinstance(value, str) and value.strip():
        return value
    return str(value) if type(value) is int else None


def technique_span(start: Any, end: Any, label: Any, length: int) -> Span:
    """A span of a text of `length` code points; ValueError saying what is wrong with it."""
    if type(start) is not int or type(end) is not int:
        raise ValueError(f"offsets must be integers, got {start!r} and {end!r}")
    if not 0 <= start < end:
        raise ValueError(f"a span needs 0 <= start < end, got [{start}, {end})")
    if end > length:
        raise ValueError(f"span [{start}, {end}) lies outside the text ({length} characters)")
    if label is None:
        raise ValueError("the span has no technique")
    if label not in TECHNIQUES:
        raise ValueError(f"unknown technique {label!r}")
    return Span(start, end, label)


def unique_spans(spans: list[Span]) -> list[Span]:
    """The spans without repeats (same offsets and technique), ordered by position."""
    return sorted({(span.start, span.end, span.technique): span for span in spans}.values(),
                  key=lambda span: (span.start, span.end, span.technique))


def corrections_from_annotation(model_spans: list[Span], annotated: list[Span], reviewer: str,
                                time: str) -> list[Correction]:
    """The corrections that turn the model's spans into the annotated ones.

    Same offsets and technique: accept; same offsets, another technique: relabel; a model span the reviewer
    left out: reject; a span only the reviewer has: add. Exact matches are paired first, so a model with two
    labels on one range keeps the one the reviewer kept. Model spans without a technique are not reviewed.
    Ordered by position.
    """
    wanted = {(span.start, span.end, span.technique) for span in annotated}
    model = {(span.start, span.end, span.technique) for span in model_spans if span.technique}
    corrections = [Correction("accept", start, end, label, label, reviewer, time)
                   for start, end, label in model & wanted]
    added: dict[tuple[int, int], list[str]] = {}  # the reviewer's new labels by range, in label order
    for start, end, label in sorted(wanted - model):
        added.setdefault((start, end), []).append(label)
    for start, end, label in sorted(model - wanted):
        labels = added.get((start, end))
        if labels:
            corrections.append(Correction("relabel", start, end, labels.pop(0), label, reviewer, time))
        else:
            corrections.append(Correction("reject", start, end, label, label, reviewer, time))
    corrections += [Correction("add", start, end, label, None, reviewer, time)
                    for (start, end), labels in added.items() for label in labels]
    return sorted(corrections, key=lambda item: (item.start, item.end, item.model_technique or item.technique))
