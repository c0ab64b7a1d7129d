"""The claims stage: check-worthiness for every sentence, and the statements a fact-checker looks at:
check-worthy claims and predictions, each with who makes it. Runs after the actors stage."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from propaganda_lens.claims.checkworthiness import CheckworthinessModel, shipped_folder
from propaganda_lens.claims.roles import NEVER_CLAIMS, sentence_roles
from propaganda_lens.claims.statements import SPEAKER_PRONOUNS, prediction_hedge, statement_source
from propaganda_lens.data import Analysis, Statement
from propaganda_lens.loading import loaded_once

if TYPE_CHECKING:
    from spacy.tokens import Doc


def shipped_checkworthiness_model(detector: str | None = None) -> CheckworthinessModel:
    """The check-worthiness model shipped with a detector (by `--model` name or config name; None: the default
    detector), loaded once per process (see api.load_stages)."""
    return _model_in(shipped_folder(detector))


@loaded_once
def _model_in(folder: Path) -> CheckworthinessModel:
    return CheckworthinessModel.from_disk(folder)


def add_claims(analysis: Analysis, doc: "Doc", model: CheckworthinessModel | None = None) -> Analysis:
    """The analysis with each sentence's check-worthiness and its statements (claims and predictions);
    `doc` is the parse of the article's text, whose sentences are `analysis.sentences`. A headline, credit,
    caption, promo line or question (claims.roles) has check-worthiness 0 and is never a claim."""
    model = model or shipped_checkworthiness_model(analysis.model)
    text = analysis.article.text
    ranges = [(s.start, s.end) for s in analysis.sentences]
    roles = sentence_roles(text, ranges, analysis.article.metadata.title)
    scored = [index for index, role in enumerate(roles) if role not in NEVER_CLAIMS]  # the model sees only these
    probabilities = np.zeros(len(ranges), dtype=np.float32)
    probabilities[scored] = model.probabilities([text[ranges[index][0] : ranges[index][1]] for index in scored])
    sentences = [replace(s, checkworthiness=round(float(p), 4)) for s, p in zip(analysis.sentences, probabilities)]
    parsed = {sentence.start_char: sentence for sentence in doc.sents}
    mentions = _MentionIndex(analysis)
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
            source_actor=mentions.actor_of(source),
        ))
    return replace(analysis, sentences=sentences, statements=statements)


def _parse_of(parsed: dict, start: int, end: int, doc: "Doc"):
    """spaCy's sentence for an Analysis sentence (they share starts; see enrich.parsing.parse)."""
    sentence = parsed.get(start)
    if sentence is None:
        span = doc.char_span(start, end, alignment_mode="expand")
        return span if span is not None and len(span) else None
    return sentence


# Nouns after an actor's name that speak for it: bodies ("the British government said", "Russia's foreign
# ministry said") and the people who represent it ("China's ambassador warned", "a Kremlin spokesman said"); not
# words that only describe ("the British royal denied").
SPEAKING_FOR_NOUNS = frozenset(
    "government administration regime ministry authorities officials military army spokesman spokeswoman "
    "spokesperson office campaign embassy delegation mission ambassador envoy diplomat diplomats representative "
    "negotiator negotiators minister ministers".split()
)


class _MentionIndex:
    """Actor mentions in text order, to find the one inside a range, or the last person before a point, fast."""

    def __init__(self, analysis: Analysis) -> None:
        mentions = sorted((start, end, actor.id, actor.kind) for actor in analysis.actors for start, end in actor.mentions)
        self.mentions = mentions
        self.starts = [mention[0] for mention in mentions]
        self.text = analysis.article.text

    def actor_of(self, source: tuple[int, int] | None) -> str | None:
        """The actor named in `source`; for "he" or "she", the person mentioned last before it (within 500
        characters)."""
        if source is None:
            return None
        index = bisect_left(self.starts, source[0])
        inside = []
        while index + len(inside) < len(self.mentions) and self.mentions[index + len(inside)][1] <= source[1]:
            inside.append(self.mentions[index + len(inside)])
        if inside:  # the actor that heads the phrase: "Adam Schiff", "the British government", not "the British royal"
            head = self.text[inside[-1][1] : source[1]].split()
            if not head or head[-1].lower() in SPEAKING_FOR_NOUNS:
                return inside[-1][2]
            return None
        if self.text[source[0] : source[1]].lower() not in SPEAKER_PRONOUNS:
            return None
        for start, end, actor_id, kind in reversed(self.mentions[max(0, index - 50) : index]):
            if start < source[0] - 500:
                break
            if kind == "person" and end <= source[0]:
                return actor_id
        return None
