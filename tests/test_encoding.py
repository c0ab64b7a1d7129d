"""Windows, tags and span decoding: offsets must map exactly into the raw text."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propaganda_lens.data import Span
from propaganda_lens.detect.detector import TOKENIZER_FILE, shipped_model_path
from propaganda_lens.detect.boundaries import TRIM_CHARACTERS
from propaganda_lens.detect.encoding import (
    BEGIN,
    INSIDE,
    Decoding,
    OUTSIDE,
    best_window,
    bio_tags,
    central_window_of_tokens,
    decode_spans,
    encode,
    load_tokenizer,
    window_ranges,
)

TOKENIZER = load_tokenizer(shipped_model_path("ptc-minilm") / TOKENIZER_FILE)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(" \n.,;:'\"“”—\ufeff"),
    max_size=300,
)


@settings(deadline=None)
@given(st.integers(0, 3000), st.integers(2, 300), st.data())
def test_windows_cover_every_token_within_size(n_tokens, size, data):
    stride = data.draw(st.integers(1, size))
    windows = window_ranges(n_tokens, size, stride)
    covered = np.zeros(n_tokens, dtype=bool)
    for start, end in windows:
        assert 0 <= start < end <= n_tokens
        assert end - start <= size
        covered[start:end] = True
    assert covered.all()
    owners = central_window_of_tokens(windows, n_tokens)
    for token, owner in enumerate(owners):
        assert windows[owner][0] <= token < windows[owner][1]


def test_best_window_prefers_the_window_holding_the_span():
    windows = [(0, 10), (6, 16), (12, 22)]
    assert best_window(windows, 13, 16) == 2  # held by 1 and 2; at the edge of 1
    assert best_window(windows, 8, 10) == 1  # held by 0 and 1; at the edge of 0
    assert best_window(windows, 4, 14) == 1  # held whole by none; 1 holds most of it
    assert best_window(windows, 0, 3) == 0


@settings(max_examples=200, deadline=None)
@given(texts)
def test_token_offsets_point_into_the_raw_text(text):
    encoded = encode(TOKENIZER, text)
    assert len(encoded.ids) == len(encoded.offsets) == len(encoded.word_ids)
    for start, end in encoded.offsets:
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip() != ""
    assert (np.diff(encoded.offsets[:, 0]) >= 0).all()


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_decoded_spans_are_sorted_trimmed_and_inside_the_text(text, data):
    encoded = encode(TOKENIZER, text)
    n = len(encoded)
    raw = np.asarray(data.draw(st.lists(st.floats(0.01, 1.0), min_size=3 * n, max_size=3 * n)), dtype=np.float32)
    probabilities = raw.reshape(n, 3) / raw.reshape(n, 3).sum(axis=1, keepdims=True) if n else np.zeros((0, 3))
    decoding = Decoding(data.draw(st.floats(0.05, 0.95)), data.draw(st.integers(0, 30)), data.draw(st.integers(1, 9)))
    spans = decode_spans(text, encoded, probabilities, decoding)
    previous_end = 0
    for start, end, probability in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start] not in TRIM_CHARACTERS and text[end - 1] not in TRIM_CHARACTERS
        assert 0.0 <= probability <= 1.0
        assert end - start >= decoding.min_chars
        if previous_end:
            assert start - previous_end > decoding.join_gap or "\n" in text[previous_end:start]
        previous_end = end


def test_decoding_keeps_words_whole_and_splits_at_begin_tags():
    text = "An unbelievably stupid plan. Total disaster"
    encoded = encode(TOKENIZER, text)
    probabilities = np.tile(np.array([0.9, 0.05, 0.05], dtype=np.float32), (len(encoded), 1))
    words = [text[s:e] for s, e in encoded.offsets]
    inside = [i for i, w in enumerate(words) if w in ("stupid", "plan", "total", "Total", "disaster")]
    for i in inside:
        probabilities[i] = [0.1, 0.1, 0.8]
    # A word piece of "unbelievably" is marked: the whole word joins the span.
    probabilities[words.index("un") if "un" in words else 1] = [0.1, 0.1, 0.8]
    probabilities[words.index("Total")] = [0.1, 0.8, 0.1]
    spans = [text[s:e] for s, e, _ in decode_spans(text, encoded, probabilities, Decoding(0.5))]
    assert spans == ["unbelievably stupid plan", "Total disaster"]
    # Spans are never joined across a sentence end, unless the boundary rules are off.
    kept_apart = decode_spans(text, encoded, probabilities, Decoding(0.5, join_gap=2))
    assert [text[s:e] for s, e, _ in kept_apart] == ["unbelievably stupid plan", "Total disaster"]
    joined = decode_spans(text, encoded, probabilities, Decoding(0.5, join_gap=2, clean_boundaries=False))
    assert [text[s:e] for s, e, _ in joined] == ["unbelievably stupid plan. Total disaster"]
    assert decode_spans(text, encoded, probabilities, Decoding(0.5, min_chars=15))[0][:2] == (3, 27)


def test_bio_tags_mark_begin_and_inside():
    text = "we must stop them now"
    encoded = encode(TOKENIZER, text)
    tags = bio_tags(encoded, [Span(3, 12)])
    assert list(tags) == [OUTSIDE, BEGIN, INSIDE, OUTSIDE, OUTSIDE]


@pytest.mark.parametrize("text", ["", "   \n\n ", "\ufeff"])
def test_texts_without_tokens_decode_to_nothing(text):
    encoded = encode(TOKENIZER, text)
    assert decode_spans(text, encoded, np.zeros((len(encoded), 3), dtype=np.float32), Decoding()) == []


def test_viterbi_never_puts_inside_after_outside():
    from propaganda_lens.detect.encoding import word_tags_by_viterbi

    words = [(i, i + 1) for i in range(4)]
    probabilities = np.array([[0.9, 0.05, 0.05], [0.2, 0.1, 0.7], [0.1, 0.1, 0.8], [0.9, 0.05, 0.05]])
    tags = word_tags_by_viterbi(probabilities, words, threshold=0.5)
    assert tags == [OUTSIDE, BEGIN, INSIDE, OUTSIDE]  # the I after O becomes the span's B
    assert word_tags_by_viterbi(probabilities[:1], words[:1], threshold=0.05) == [BEGIN]  # a low threshold keeps it
