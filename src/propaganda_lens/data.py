"""The data model every stage takes and returns: Article, Span, Analysis."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

# The 14 technique labels of SemEval-2020 Task 11, spelled as in the PTC label files.
TECHNIQUES: tuple[str, ...] = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)


@dataclass(frozen=True, slots=True)
class Span:
    """A character range [start, end) of an article's text, optionally labelled with a technique."""

    start: int
    end: int
    technique: str | None = None
    probability: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"a span needs 0 <= start < end, got [{self.start}, {self.end})")
        if self.technique is not None and self.technique not in TECHNIQUES:
            raise ValueError(f"unknown technique {self.technique!r}")

    def text_in(self, text: str) -> str:
        """The characters of `text` this span covers."""
        return text[self.start : self.end]


@dataclass(slots=True)
class Article:
    """A text to analyze. `id` names it in label files; `source` says where it came from."""

    id: str
    text: str
    source: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Analysis:
    """The detector's findings for one article."""

    article: Article
    spans: list[Span]
    model: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; span offsets refer to `article.text`."""
        return {
            "schema_version": SCHEMA_VERSION,
            "model": self.model,
            "article": asdict(self.article),
            "spans": [{**asdict(span), "text": span.text_in(self.article.text)} for span in self.spans],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
