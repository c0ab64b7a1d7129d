"""Token windows over a whole article, and the mapping between tokens and raw-text character offsets.

Shared by training and inference so that both see the same tokens, windows, tags and span features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from propaganda_lens.data import Span
from propaganda_lens.detect.boundaries import clean_spans, crosses_clause_break, crosses_sentence_end, trim

# BIO tags of the span tagger.
OUTSIDE, BEGIN, INSIDE = 0, 1, 2


def load_tokenizer(path: Path) -> Tokenizer:
    """A WordPiece tokenizer that keeps whole articles (no truncation, no padding)."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def special_token_ids(tokenizer: Tokenizer) -> tuple[int, int, int]:
    """(start, end, padding) token ids, as the tokenizer's own post-processor adds them."""
    start_id, end_id = tokenizer.encode("", add_special_tokens=True).ids
    padding = {"[CLS]": "[PAD]", "<s>": "<pad>"}.get(tokenizer.id_to_token(start_id))
    if padding is None or tokenizer.token_to_id(padding) is None:
        raise ValueError(f"unknown special tokens {tokenizer.id_to_token(start_id)!r}; expected [CLS] or <s>")
    return start_id, end_id, tokenizer.token_to_id(padding)


@dataclass(frozen=True)
class EncodedText:
    """Tokens of a text without special tokens; `offsets[i]` is token i's [start, end) in the text."""

    ids: np.ndarray
    offsets: np.ndarray
    word_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The tokens [first, last) whose characters overlap [start, end); first == last if none."""
        first = int(np.searchsorted(self.offsets[:, 1], start, side="right"))
        last = int(np.searchsorted(self.offsets[:, 0], end, side="left"))
        return first, max(first, last)


def encode(tokenizer: Tokenizer, text: str) -> EncodedText:
    encoding = tokenizer.encode(text, add_special_tokens=False)
    ids = np.asarray(encoding.ids, dtype=np.int64)
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    word_ids = np.asarray([-1 if w is None else w for w in encoding.word_ids], dtype=np.int64)
    return EncodedText(ids, offsets, word_ids)


def aligned_tag_probabilities(target: EncodedText, source: EncodedText, probabilities: np.ndarray) -> np.ndarray:
    """Another tokenizer's per-token tag `probabilities` (over `source`'s tokens) moved onto `target`'s tokens by
    character offsets: each target token takes those of the first source token it overlaps (uniform if none)."""
    tags = np.full((len(target), probabilities.shape[1]), 1 / probabilities.shape[1], dtype=np.float32)
    for token, (start, end) in enumerate(target.offsets):
        first, last = source.token_range(int(start), int(end))
        if first < last:
            tags[token] = probabilities[first]
    return tags


MAX_WINDOW_TOKENS = 512  # the positions the encoders here hold


def window_problem(window_size: int, stride: int) -> str | None:
    """What is wrong with reading text in windows of `window_size` tokens ([CLS] and [SEP] included) `stride`
    tokens apart, or None."""
    if not 3 <= window_size <= MAX_WINDOW_TOKENS or not 1 <= stride <= window_size - 2:
        return (f"a window must hold 3 to {MAX_WINDOW_TOKENS} tokens and its strides must be 1 to {window_size - 2} "
                "tokens (the window less [CLS] and [SEP])")
    return None


def window_ranges(n_tokens: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges of at most `size` tokens, `stride` apart, covering all tokens (the last one flush right)."""
    if n_tokens == 0:
        return []
    if n_tokens <= size:
        return [(0, n_tokens)]
    count = math.ceil((n_tokens - size) / stride) + 1
    starts = [min(i * stride, n_tokens - size) for i in range(count)]
    return [(start, start + size) for start in sorted(set(starts))]


def best_window(windows: list[tuple[int, int]], first: int, last: int) -> int:
    """Index of the window that holds most of tokens [first, last), ties broken by the most central."""

    def key(index: int) -> tuple[int, int]:
        start, end = windows[index]
        held = min(end, last) - max(start, first)
        margin = min(first - start, end - last)
        return held, margin

    return max(range(len(windows)), key=key)


def central_window_of_tokens(windows: list[tuple[int, int]], n_tokens: int) -> np.ndarray:
    """For each token, the window in which it lies farthest from an edge (its best context)."""
    best = np.zeros(n_tokens, dtype=np.int64)
    best_margin = np.full(n_tokens, -1, dtype=np.int64)
    for index, (start, end) in enumerate(windows):
        positions = np.arange(start, end)
        margin = np.minimum(positions - start, end - 1 - positions)
        better = margin > best_margin[start:end]
        best[start:end][better] = index
        best_margin[start:end][better] = margin[better]
    return best


def bio_tags(encoded: EncodedText, spans: list[Span]) -> np.ndarray:
    """BIO tag per token: a token is inside a span when its characters overlap it."""
    tags = np.full(len(encoded), OUTSIDE, dtype=np.int64)
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        first, last = encoded.token_range(span.start, span.end)
        if first == last:
            continue
        if tags[first] == OUTSIDE:
            tags[first] = BEGIN
        tags[first + 1 : last] = np.where(tags[first + 1 : last] == BEGIN, BEGIN, INSIDE)
    return tags


@dataclass(frozen=True)
class Decoding:
    """How tag probabilities become spans; tuned on dev at export."""

    threshold: float = 0.5  # a word is in a span when P(not O) of one of its pieces exceeds this
    join_gap: int = 0  # spans at most this many characters apart on one line are joined
    min_chars: int = 1  # shorter spans are dropped
    clean_boundaries: bool = True  # whole words, no edge function words, no span or join across sentences
    cut_clauses: bool = True  # with clean_boundaries: no span or join across a clause break either
    keep_names: bool = True  # with clean_boundaries: whole names and fixed expressions
    viterbi: bool = False  # constrained Viterbi over the words' BIO probabilities instead of the threshold rule


def word_tags_by_threshold(
    inside: np.ndarray, begins: np.ndarray, words: list[tuple[int, int]], threshold: float
) -> list[int]:
    """A word is in a span when one of its pieces has P(not O) above the threshold; it begins a new span when
    its first piece is more likely B than I."""
    return [
        (BEGIN if begins[first] else INSIDE) if inside[first:last].max() > threshold else OUTSIDE
        for first, last in words
    ]


def word_tags_by_viterbi(tag_probabilities: np.ndarray, words: list[tuple[int, int]], threshold: float) -> list[int]:
    """The most likely BIO sequence of words under the constraint that I only follows B or I. Each word's
    emission is that of its most span-like piece; O's score is shifted so that, as with the threshold rule,
    a lone word is in a span when P(not O) > threshold."""
    emissions = np.log(np.maximum(np.asarray(
        [tag_probabilities[first + int(np.argmin(tag_probabilities[first:last, OUTSIDE]))] for first, last in words]
    ), 1e-9))
    emissions[:, OUTSIDE] += np.log(threshold / (1 - threshold))
    allowed = np.ones((3, 3), dtype=bool)
    allowed[OUTSIDE, INSIDE] = False  # from O, never to I
    transition = np.where(allowed, 0.0, -np.inf)
    score = emissions[0] + np.array([0.0, 0.0, -np.inf])
    back = np.zeros((len(words), 3), dtype=np.int64)
    for index in range(1, len(words)):
        candidates = score[:, None] + transition  # previous tag x next tag
        back[index] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + emissions[index]
    tags = [int(score.argmax())]
    for index in range(len(words) - 1, 0, -1):
        tags.append(int(back[index, tags[-1]]))
    return tags[::-1]


def decode_spans(
    text: str, encoded: EncodedText, tag_probabilities: np.ndarray, decoding: Decoding
) -> list[tuple[int, int, float]]:
    """Character spans (start, end, mean inside-probability) from per-token BIO probabilities.

    Decisions are made per word (by the threshold rule or by Viterbi), so spans never cut a word; a word
    tagged as a beginning starts a new span.
    """
    if len(encoded) == 0:
        return []
    inside = 1.0 - tag_probabilities[:, OUTSIDE]
    # Group tokens into words: a new word starts where word_id changes.
    word_starts = np.flatnonzero(np.r_[True, encoded.word_ids[1:] != encoded.word_ids[:-1]])
    words = list(zip(word_starts.tolist(), np.r_[word_starts[1:], len(encoded)].tolist()))
    if decoding.viterbi:
        tags = word_tags_by_viterbi(tag_probabilities, words, decoding.threshold)
    else:
        begins = tag_probabilities[:, BEGIN] > tag_probabilities[:, INSIDE]
        tags = word_tags_by_threshold(inside, begins, words, decoding.threshold)
    spans: list[tuple[int, int, float]] = []
    current: list[int] | None = None  # [first token, last token exclusive]

    def close() -> None:
        first, last = current
        start, end = trim(text, int(encoded.offsets[first, 0]), int(encoded.offsets[last - 1, 1]))
        if start < end:
            spans.append((start, end, float(inside[first:last].mean())))

    for (first, last), tag in zip(words, tags):
        if tag == OUTSIDE:
            if current is not None:
                close()
                current = None
        elif tag == INSIDE and current is not None:
            current[1] = last
        else:
            if current is not None:
                close()
            current = [first, last]
    if current is not None:
        close()
    if decoding.clean_boundaries:
        spans = clean_spans(text, spans, decoding.cut_clauses, decoding.keep_names)
    joined = join_close_spans(text, spans, decoding.join_gap, decoding.clean_boundaries,
                              decoding.clean_boundaries and decoding.cut_clauses)
    return [span for span in joined if span[1] - span[0] >= decoding.min_chars]


def join_close_spans(
    text: str, spans: list[tuple[int, int, float]], gap: int, within_sentences: bool = False,
    within_clauses: bool = False,
) -> list[tuple[int, int, float]]:
    """Join neighbouring spans separated by at most `gap` characters and no line break (nor, when
    `within_sentences`, a sentence end; nor, when `within_clauses`, a clause break)."""
    joined: list[tuple[int, int, float]] = []
    for start, end, probability in sorted(spans):
        gap_start = joined[-1][1] if joined else start
        if (
            joined
            and start - gap_start <= gap
            and "\n" not in text[gap_start:start]
            and not (within_sentences and crosses_sentence_end(text, gap_start, start))
            and not (within_clauses and crosses_clause_break(text, gap_start, start))
        ):
            previous_start, previous_end, previous_probability = joined[-1]
            weight = (previous_end - previous_start) / (previous_end - previous_start + end - start)
            joined[-1] = (previous_start, max(end, previous_end), weight * previous_probability + (1 - weight) * probability)
        else:
            joined.append((start, end, probability))
    return joined


def span_features(text: str, spans: list[tuple[int, int]]) -> list[list[float]]:
    """Hand-made features of each span: how often its words recur in the article, and its length."""
    lowered = text.lower()
    features = []
    for start, end in spans:
        fragment = text[start:end].strip().lower()
        occurrences = max(1, lowered.count(fragment)) if fragment else 1
        features.append([math.log(occurrences), float(occurrences > 1), math.log1p(end - start) / 5.0])
    return features


N_SPAN_FEATURES = 3


def pool_span(hidden: np.ndarray, first: int, last: int) -> np.ndarray:
    """Span vector from one window's hidden states (rows first..last-1): mean, first and last token."""
    return np.concatenate([hidden[first:last].mean(axis=0), hidden[first], hidden[last - 1]])
