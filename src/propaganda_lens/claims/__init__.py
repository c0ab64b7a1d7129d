"""The claims stage: check-worthiness for every sentence, and the statements a fact-checker looks at:
check-worthy claims and predictions, each with who makes it. Runs after the actors stage."""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from propaganda_lens.claims.checkworthiness import CheckworthinessModel
from propaganda_lens.claims.statements import SPEAKER_PRONOUNS, prediction_hedge, statement_source
from propaganda_lens.data import Analysis, Statement

if TYPE_CHECKING:
    from spacy.tokens import Doc


_loading = threading.Lock()  # one load, even when a background thread started it (see api.load_stages)


def shipped_checkworthiness_model() -> CheckworthinessModel:
    """The shipped check-worthiness model, loaded once per process."""
    with _loading:
        return _load_model()


@lru_cache(maxsize=1)
def _load_model() -> CheckworthinessModel:
    return CheckworthinessModel.from_disk()


def add_claims(analysis: Analysis, doc: "Doc", model: CheckworthinessModel | None = None) -> Analysis:
    """The analysis with each sentence's check-worthiness and its statements (claims and predictions);
    `doc` is the parse of the article's text, whose sentences are `analysis.sentences`."""
    model = model or shipped_checkworthiness_model()
    text = analysis.article.text
    probabilities = model.probabilities([text[s.start : s.end] for s in analysis.sentences])
    sentences = [replace(s, checkworthiness=round(float(p), 4)) for s, p in zip(analysis.sentences, probabilities)]
    parsed = {sentence.start_char: sentence for sentence in doc.sents}
    statements = []
    for sentence in sentences:
        parse = _parse_of(parsed, sentence.start, sentence.end, doc)
        hedge = prediction_hedge(parse) if parse is not None else None
        if hedge is None and sentence.checkworthiness < model.config.threshold:
            continue
        source = statement_source(parse) if parse is not None else None
        statements.append(Statement(
            start=sentence.start,
            end=sentence.end,
            kind="prediction" if hedge is not None else "claim",
            probability=sentence.checkworthiness,
            hedge=(hedge.idx, hedge.idx + len(hedge.text)) if hedge is not None else None,
            source=source,
            source_actor=_actor_within(analysis, source),
        ))
    return replace(analysis, sentences=sentences, statements=statements)


def _parse_of(parsed: dict, start: int, end: int, doc: "Doc"):
    """spaCy's sentence for an Analysis sentence (they share starts; see enrich.parsing.parse)."""
    sentence = parsed.get(start)
    if sentence is None:
        span = doc.char_span(start, end, alignment_mode="expand")
        return span if span is not None and len(span) else None
    return sentence


def _actor_within(analysis: Analysis, source: tuple[int, int] | None) -> str | None:
    """The actor named in `source`; for "he" or "she", the person mentioned last before it (within 500
    characters)."""
    if source is None:
        return None
    named = next(
        (actor.id for actor in analysis.actors for start, end in actor.mentions if source[0] <= start and end <= source[1]),
        None,
    )
    if named is not None or analysis.article.text[source[0] : source[1]].lower() not in SPEAKER_PRONOUNS:
        return named
    earlier = [
        (end, actor.id) for actor in analysis.actors if actor.kind == "person"
        for start, end in actor.mentions if source[0] - 500 <= start and end <= source[0]
    ]
    return max(earlier)[1] if earlier else None
