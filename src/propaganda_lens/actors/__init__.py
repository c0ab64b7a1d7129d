"""The actors stage: who the article names (people, organizations, countries, groups), how it frames each,
and who it says supports or opposes whom. Runs after enrich, on the article's parse."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from propaganda_lens.actors.mentions import find_actors
from propaganda_lens.actors.relation_model import relation_head
from propaganda_lens.actors.relations import find_relations
from propaganda_lens.data import Analysis
from propaganda_lens.enrich.summary import spans_per_sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc


def add_actors(analysis: Analysis, doc: "Doc") -> Analysis:
    """The analysis with its actors (each with the techniques found in the sentences that mention it) and
    the relations between them (the rules' and the relation head's); `doc` is the parse of
    `analysis.article.text` (enrich.parsing.parse)."""
    actors, actor_of_token = find_actors(doc)
    persons = {actor.id for actor in actors if actor.kind == "person"}
    relations = find_relations(doc, actor_of_token, persons, relation_head())
    ranges = [(sentence.start, sentence.end) for sentence in analysis.sentences]
    techniques = [
        Counter(span.technique for span in touching if span.technique)
        for touching in spans_per_sentence(ranges, analysis.spans)
    ]
    starts = [start for start, _ in ranges]
    framed = []
    for actor in actors:
        counts: Counter = Counter()
        for index in {bisect_right(starts, start) - 1 for start, _ in actor.mentions} - {-1}:
            counts.update(techniques[index])
        framed.append(replace(actor, techniques=dict(counts.most_common())))
    return replace(analysis, actors=framed, relations=relations)
