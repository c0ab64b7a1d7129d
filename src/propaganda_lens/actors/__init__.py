"""The actors stage: who the article names (people, organizations, countries, groups), how it frames each,
and who it says supports or opposes whom. Runs after enrich, on the article's parse."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from propaganda_lens.actors.mentions import find_actors
from propaganda_lens.actors.relations import find_relations
from propaganda_lens.data import Actor, Analysis

if TYPE_CHECKING:
    from spacy.tokens import Doc


def add_actors(analysis: Analysis, doc: "Doc") -> Analysis:
    """The analysis with its actors (each with the techniques found in the sentences that mention it) and
    the relations between them; `doc` is the parse of `analysis.article.text` (enrich.parsing.parse)."""
    actors, actor_of_token = find_actors(doc)
    persons = {actor.id for actor in actors if actor.kind == "person"}
    relations = find_relations(doc, actor_of_token, persons)
    return replace(analysis, actors=[_with_framing(actor, analysis) for actor in actors], relations=relations)


def _with_framing(actor: Actor, analysis: Analysis) -> Actor:
    sentences = [
        sentence for sentence in analysis.sentences
        if any(sentence.start <= start < sentence.end for start, _ in actor.mentions)
    ]
    counts = Counter(
        span.technique
        for span in analysis.spans
        if span.technique and any(span.start < sentence.end and sentence.start < span.end for sentence in sentences)
    )
    return replace(actor, techniques=dict(counts.most_common()))
