"""The data model every stage takes and returns: Article, Span, Sentence, Summary, Actor, Relation, Statement,
Analysis, and a reviewer's Correction of a span.

`Analysis.to_dict()` is the JSON output; its shape is described by the JSON Schema shipped at
`propaganda_lens/schema/analysis.schema.json` and versioned by SCHEMA_VERSION.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "2.5"

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
    explanation: str | None = None
    # The words that weighed most for the technique, as [start, end) ranges of the same text, best first.
    cues: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"a span needs 0 <= start < end, got [{self.start}, {self.end})")
        if self.technique is not None and self.technique not in TECHNIQUES:
            raise ValueError(f"unknown technique {self.technique!r}")

    def text_in(self, text: str) -> str:
        """The characters of `text` this span covers."""
        return text[self.start : self.end]


def text_sha256(text: str) -> str:
    """The hex SHA-256 of a text's UTF-8 bytes: which text an analysis or a correction was made on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# What a reviewer can do with a span: keep the model's span, drop it, change its technique, or add a missing one.
CORRECTION_ACTIONS: tuple[str, ...] = ("accept", "reject", "relabel", "add")


@dataclass(frozen=True, slots=True)
class Correction:
    """A reviewer's decision on the span [start, end) of an article.

    `technique` is the label after the decision (for `reject`, the label that was rejected); `model_technique`
    is the model's label for accept, reject and relabel, None for add. `time` is ISO 8601 UTC.
    """

    action: str
    start: int
    end: int
    technique: str
    model_technique: str | None = None
    reviewer: str = ""
    time: str = ""

    def __post_init__(self) -> None:
        if self.action not in CORRECTION_ACTIONS:
            raise ValueError(f"unknown action {self.action!r} (expected one of {', '.join(CORRECTION_ACTIONS)})")
        if not 0 <= self.start < self.end:
            raise ValueError(f"a span needs 0 <= start < end, got [{self.start}, {self.end})")
        for label in (self.technique, self.model_technique):
            if label is not None and label not in TECHNIQUES:
                raise ValueError(f"unknown technique {label!r}")
        if (self.model_technique is None) != (self.action == "add"):
            raise ValueError(f"{self.action!r} needs {'no' if self.action == 'add' else 'the'} model's technique")


@dataclass(slots=True)
class Metadata:
    """What ingestion learnt about an article besides its text. `extra` holds site-specific fields
    such as a region or theme; `date` is ISO 8601 (YYYY-MM-DD) when it could be parsed."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Article:
    """A text to analyze. `text` is the cleaned text that span offsets refer to; `id` names the article
    in label files; `source` says where it came from (a path, a URL, or None)."""

    id: str
    text: str
    source: str | None = None
    metadata: Metadata = field(default_factory=Metadata)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence [start, end) of the article's text. `score` is the share of its characters inside
    technique spans, each character weighted by the highest probability of the spans covering it;
    `checkworthiness` is the probability that it makes a factual claim worth checking (None: not scored)."""

    start: int
    end: int
    score: float
    span_count: int
    checkworthiness: float | None = None


@dataclass(slots=True)
class Summary:
    """The article at a glance: spans per technique, the share of text characters inside spans,
    and the sentences with the highest scores (at most three, highest first)."""

    technique_counts: dict[str, int]
    covered_share: float
    densest_sentences: list[Sentence]


@dataclass(frozen=True, slots=True)
class OutletRating:
    """One snapshot's rating of an outlet: factuality (high, mixed, low) and bias, with where it came from."""

    factuality: str
    bias: str
    year: int
    source: str  # who rated it, e.g. "Media Bias/Fact Check, via Baly et al. 2020"
    page: str  # the rating's web page


@dataclass(slots=True)
class Outlet:
    """The outlet an article came from (its domain or site name; None when unknown) and its ratings,
    newest first (empty: not rated)."""

    name: str | None = None
    ratings: list[OutletRating] = field(default_factory=list)


ACTOR_KINDS = ("person", "organization", "country", "group")
POLARITIES = ("supports", "opposes")
# How the article states a relation: as fact, as someone else's word, under a condition, as a forecast, or denied.
MODALITIES = ("asserted", "reported", "conditional", "predicted", "negated")
STATEMENT_KINDS = ("claim", "prediction")


@dataclass(slots=True)
class Actor:
    """A person, organization, country or group the article names. `mentions` are [start, end) ranges of the
    text, in order; `techniques` counts the technique spans in the sentences that mention it; `country`, for a
    person the Phoenix dictionaries list, the country they act for (None otherwise)."""

    id: str
    name: str
    kind: str
    mentions: list[tuple[int, int]]
    techniques: dict[str, int] = field(default_factory=dict)
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """The article says that actor `source` supports or opposes actor `target` (ids of `Analysis.actors`).
    `evidence` is the sentence that says so and `trigger` the words that do, as [start, end) ranges."""

    source: str
    target: str
    polarity: str
    modality: str
    evidence: tuple[int, int]
    trigger: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence [start, end) that makes a check-worthy claim or a prediction. `probability` is its
    check-worthiness; `hedge` the words that mark a prediction's certainty (will, likely, could …) as a
    range; `source` who makes it: None for the author, else the range naming the quoted or reported
    source, and `source_actor` the id of the actor that source is or speaks for ("the British government" and
    "Britain's ambassador": United Kingdom; "the British royal": none)."""

    start: int
    end: int
    kind: str
    probability: float
    hedge: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    source_actor: str | None = None


@dataclass(slots=True)
class Analysis:
    """Everything found in one article; every output (text, JSON, HTML, SemEval) renders this."""

    article: Article
    spans: list[Span]
    model: str
    sentences: list[Sentence] = field(default_factory=list)
    summary: Summary | None = None
    # Per technique, the share of the model's spans that matched annotators' on PTC dev.
    technique_precision: dict[str, float] = field(default_factory=dict)
    language: str | None = None  # ISO 639-1 code of the text's language, None when undetermined
    warnings: list[str] = field(default_factory=list)  # what a reader must know before trusting the spans
    outlet: Outlet = field(default_factory=Outlet)
    actors: list[Actor] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    @property
    def techniques_analyzed(self) -> bool:
        """False for a text that is not English: the detector reads English only, so its spans (kept in the JSON,
        marked by this flag) are not shown as findings."""
        return self.language in (None, "en")

    def speaker(self, statement: Statement) -> str:
        """Who makes `statement`, as a reader would say it: the source's words where they name its actor in
        full ("China's ambassador", "Nancy Pelosi"), else the actor ("Pelosi" -> "Nancy Pelosi", "the British
        government" -> "United Kingdom"), else the source's words, else "the author"."""
        if statement.source is None:
            return "the author"
        words = self.article.text[statement.source[0] : statement.source[1]]
        named = next((actor.name for actor in self.actors if actor.id == statement.source_actor), None)
        spelled_out = named is not None and re.search(rf"\b{re.escape(named)}\b", words, re.IGNORECASE)
        return named if named and not spelled_out else words

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; all offsets refer to `article.text`."""
        text = self.article.text

        def sentence(item: Sentence) -> dict[str, Any]:
            return {**asdict(item), "text": text[item.start : item.end]}

        summary = None
        if self.summary is not None:
            summary = {
                "span_count": len(self.spans),
                "technique_counts": self.summary.technique_counts,
                "covered_share": self.summary.covered_share,
                "densest_sentences": [sentence(item) for item in self.summary.densest_sentences],
            }
        def text_range(item: tuple[int, int] | None) -> dict[str, Any] | None:
            return None if item is None else {"start": item[0], "end": item[1], "text": text[item[0] : item[1]]}

        return {
            "schema_version": SCHEMA_VERSION,
            "model": self.model,
            "article": asdict(self.article),
            "summary": summary,
            "sentences": [sentence(item) for item in self.sentences],
            "language": self.language,
            "warnings": self.warnings,
            "techniques_analyzed": self.techniques_analyzed,
            "outlet": asdict(self.outlet),
            "technique_precision": self.technique_precision,
            "spans": [
                {
                    **asdict(span),
                    "text": span.text_in(text),
                    "cues": [{"start": start, "end": end, "text": text[start:end]} for start, end in span.cues],
                }
                for span in self.spans
            ],
            "actors": [
                {**asdict(actor), "mentions": [text_range(mention) for mention in actor.mentions]}
                for actor in self.actors
            ],
            "relations": [
                {
                    **asdict(relation),
                    "evidence": text_range(relation.evidence),
                    "trigger": [text_range(words) for words in relation.trigger],
                }
                for relation in self.relations
            ],
            "statements": [
                {
                    **asdict(statement),
                    "text": text[statement.start : statement.end],
                    "hedge": text_range(statement.hedge),
                    "source": text_range(statement.source),
                }
                for statement in self.statements
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
