"""Span boundaries: whole words, no function word at an edge, nothing across a sentence end; on generated
texts and spans, and on the detector's spans for PTC dev articles."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from propaganda_lens.api import default_detector
from propaganda_lens.detect.boundaries import (
    FUNCTION_WORDS,
    SENTENCE_BREAK,
    first_word,
    last_word,
    clean_spans,
    ends_abbreviation,
    is_word_character,
)
from propaganda_lens.detect.encoding import join_close_spans
from propaganda_lens.enrich.sentences import sentence_ranges

WORDS = ["the", "corrupt", "elites", "of", "star-studded", "don't", "and", "traitors", "nation", "to", "lie", "A", "4"]
SEPARATORS = [" ", ", ", ". ", "! ", "? ", "\n", " - ", "… ", '." ', " (", ") "]


def assert_readable(text: str, start: int, end: int) -> None:
    span = text[start:end]
    assert span == span.strip() and span
    assert start == 0 or not (is_word_character(text, start - 1) and is_word_character(text, start)), span
    assert end == len(text) or not (is_word_character(text, end - 1) and is_word_character(text, end)), span
    for word_start, word_end in (first_word(text, start, end), last_word(text, start, end)):
        assert text[word_start:word_end].lower() not in FUNCTION_WORDS, span
    ends = [match for match in SENTENCE_BREAK.finditer(text, start, end) if not ends_abbreviation(text, start, match.start() + 1)]
    assert not ends and "\n" not in span, span


@st.composite
def text_and_spans(draw):
    pieces = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=1, max_size=40))
    text = "".join(word + separator for word, separator in pieces)
    bounds = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=8))
    spans = sorted((min(a, b), max(a, b), 0.5) for a, b in bounds if a != b)
    return text, spans


@settings(max_examples=400, deadline=None)
@given(text_and_spans(), st.sampled_from([0, 10, 1000]))
def test_cleaned_and_joined_spans_read_as_whole_phrases_within_a_sentence(case, gap):
    text, spans = case
    for start, end, _ in join_close_spans(text, clean_spans(text, spans), gap, within_sentences=True):
        assert_readable(text, start, end)


def test_examples_from_the_issue():
    text = "It was a star-studded blow to the ruling party. They are traitors! Wake up."
    found = {text[start:end] for start, end, _ in clean_spans(text, [(14, 33, 0.5), (48, 74, 0.5)])}
    assert found == {"star-studded blow", "traitors!", "Wake up"}


def test_abbreviations_and_initials_do_not_end_a_span():
    text = "They attacked the corrupt Mr. Smith and the U.S. elites. Then J. Doe lied."
    found = [text[start:end] for start, end, _ in clean_spans(text, [(5, 74, 0.5)])]
    assert found == ["attacked the corrupt Mr. Smith and the U.S. elites", "J. Doe lied"]


def test_the_detector_gives_readable_spans_on_dev_articles(ptc_folder):
    detector = default_detector()
    for path in sorted((ptc_folder / "dev-articles").glob("article*.txt"))[:15]:
        text = Path(path).read_text(encoding="utf-8")
        for span in detector.find_spans(text):
            assert_readable(text, span.start, span.end)


def test_a_month_abbreviation_does_not_end_a_sentence():
    text = "On Oct. 25, the Russian and Syrian defense ministries said so. He left on Jan. 3 at noon."
    assert [text[start:end] for start, end in sentence_ranges(text)] == [
        "On Oct. 25, the Russian and Syrian defense ministries said so.", "He left on Jan. 3 at noon."]


def test_initials_do_not_end_a_sentence():
    text = "Former President George H.W. Bush died. J.R.R. Tolkien wrote it. It rained 2.5 inches. Then it stopped."
    assert [text[start:end] for start, end in sentence_ranges(text)] == [
        "Former President George H.W. Bush died.", "J.R.R. Tolkien wrote it.", "It rained 2.5 inches.",
        "Then it stopped."]
