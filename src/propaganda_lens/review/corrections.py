"""Corrections files: a reviewer's decisions on the spans of some articles, as JSON, and spans with them applied.

The file (what the report's download, `corpus review import` and `adapt --corrections` read):

    {"format": "propaganda-lens-corrections", "version": 1,
     "articles": [{"article": "<Article id>", "text_sha256": "<SHA-256 of the text's UTF-8>", "model": "<version>",
                   "corrections": [{"action": "relabel", "start": 10, "end": 25, "technique": "Loaded_Language",
                                    "model_technique": "Name_Calling,Labeling", "reviewer": "ana",
                                    "time": "2026-12-04T21:00:00Z"}]}]}

Reading never stops at a bad item: each one is left out with one line saying why, and the rest is kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from propaganda_lens.data import Correction, Span, text_sha256
from propaganda_lens.files import read_json, write_text_atomically

FORMAT = "propaganda-lens-corrections"
VERSION = 1
FIELDS = ("action", "start", "end", "technique", "model_technique", "reviewer", "time")


class CorrectionsError(ValueError):
    """A corrections file that cannot be read at all; the message is meant for the user."""


@dataclass(slots=True)
class ArticleCorrections:
    """The corrections of one article's spans, made on the text whose hash is `text_sha256`."""

    article: str
    text_sha256: str
    corrections: list[Correction] = field(default_factory=list)
    model: str | None = None  # the model version whose spans were reviewed


@dataclass(frozen=True, slots=True)
class ReviewedSpan:
    """A span after review: `action` is the reviewer's decision, None where nobody reviewed it."""

    span: Span
    action: str | None = None


def parse_corrections(data: Any) -> tuple[list[ArticleCorrections], list[str]]:
    """The articles' corrections in a decoded corrections file, and one line per item left out."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CorrectionsError(f"not a corrections file (expected a JSON object with \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise CorrectionsError(f"corrections file version {data.get('version')!r} is not supported (expected {VERSION})")
    if not isinstance(data.get("articles"), list):
        raise CorrectionsError("a corrections file needs an \"articles\" list")
    items, problems = [], []
    for number, entry in enumerate(data["articles"], 1):
        where = f"article entry {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("article"), str) or not entry["article"]:
            problems.append(f"{where}: needs an \"article\" id")
            continue
        where = f"article {entry['article']!r}"
        digest, model = entry.get("text_sha256"), entry.get("model")
        if not isinstance(digest, str) or len(digest) != 64:
            problems.append(f"{where}: needs the \"text_sha256\" of the text it was reviewed on")
            continue
        if not isinstance(entry.get("corrections"), list):
            problems.append(f"{where}: needs a \"corrections\" list")
            continue
        item = ArticleCorrections(entry["article"], digest.lower(), model=model if isinstance(model, str) else None)
        for index, raw in enumerate(entry["corrections"], 1):
            try:
                item.corrections.append(correction_of(raw))
            except (TypeError, ValueError) as error:
                problems.append(f"{where}, correction {index}: {error}")
        items.append(item)
    return items, problems


def correction_of(raw: Any) -> Correction:
    """One correction from its JSON object; raises ValueError or TypeError with the reason."""
    if not isinstance(raw, dict):
        raise TypeError("a correction is a JSON object")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}")
    for name in ("start", "end"):
        if type(raw.get(name)) is not int:
            raise TypeError(f"{name!r} must be an integer")
    for name in ("action", "technique"):
        if not isinstance(raw.get(name), str):
            raise TypeError(f"{name!r} must be a string")
    return Correction(raw["action"], raw["start"], raw["end"], raw["technique"], raw.get("model_technique"),
                      str(raw.get("reviewer") or ""), str(raw.get("time") or ""))


def read_corrections(path: Path) -> tuple[list[ArticleCorrections], list[str]]:
    """Parse a corrections file; raises CorrectionsError when it is unreadable or not one."""
    return parse_corrections(read_json(path, CorrectionsError))


def check_against(item: ArticleCorrections, text: str) -> tuple[list[Correction], list[str]]:
    """The corrections that apply to `text`, and one line for each that does not (or for all, on another text)."""
    where = f"article {item.article!r}"
    if text_sha256(text) != item.text_sha256:
        mismatch = (f"{where}: the text no longer matches the one reviewed (its hash differs); its "
                    f"{len(item.corrections)} corrections are left out")
        return [], [mismatch]
    kept, problems = [], []
    for correction in item.corrections:
        if correction.end > len(text):
            problems.append(f"{where}: span [{correction.start}, {correction.end}) lies outside the text "
                            f"({len(text)} characters)")
        else:
            kept.append(correction)
    return kept, problems


def corrections_document(items: list[ArticleCorrections]) -> dict[str, Any]:
    """The JSON object of a corrections file."""
    return {"format": FORMAT, "version": VERSION, "articles": [
        {"article": item.article, "text_sha256": item.text_sha256, "model": item.model,
         "corrections": [asdict(correction) for correction in item.corrections]} for item in items]}


def write_corrections(path: Path, items: list[ArticleCorrections]) -> None:
    write_text_atomically(Path(path), json.dumps(corrections_document(items), ensure_ascii=False, indent=1) + "\n")


def apply_corrections(spans: list[Span], corrections: list[Correction]) -> list[ReviewedSpan]:
    """The spans as reviewed: the model's spans with each one's latest decision applied (rejected ones left
    out), plus the spans a reviewer added or kept that the model does not have; ordered by position.

    A decision on a model span names it by its offsets and the model's technique; a later decision on the
    same span replaces an earlier one. A relabelled or added span has no model probability or explanation.
    """
    latest: dict[tuple[int, int, str], Correction] = {}
    for correction in corrections:
        latest[(correction.start, correction.end, correction.model_technique or correction.technique)] = correction
    reviewed, seen = [], set()
    for span in spans:
        key = (span.start, span.end, span.technique)
        seen.add(key)
        decision = latest.get(key)
        if decision is None:
            reviewed.append(ReviewedSpan(span))
        elif decision.action == "accept":
            reviewed.append(ReviewedSpan(span, "accept"))
        elif decision.action in ("relabel", "add"):
            reviewed.append(ReviewedSpan(Span(span.start, span.end, decision.technique), decision.action))
    for key, decision in latest.items():
        if key not in seen and decision.action != "reject":
            reviewed.append(ReviewedSpan(Span(decision.start, decision.end, decision.technique), decision.action))
    return sorted(reviewed, key=lambda item: (item.span.start, item.span.end, item.span.technique or ""))


def reviewed_spans(spans: list[Span], corrections: list[Correction]) -> list[Span]:
    """Only the spans of `apply_corrections`: reviewed where reviewed, else the model's."""
    return [item.span for item in apply_corrections(spans, corrections)]

