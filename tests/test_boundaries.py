"""Span boundaries: whole words, names and fixed expressions, no function word at an edge, nothing across a
sentence end or a clause break; on generated texts and spans, and on the detector's spans for PTC dev
articles."""

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propaganda_lens.api import default_detector
from propaganda_lens.detect.boundaries import (
    CLAUSE_BREAK,
    FUNCTION_WORDS,
    SENTENCE_BREAK,
    first_word,
    last_word,
    clean_spans,
    ends_abbreviation,
    is_word_character,
    whole_names,
)
from propaganda_lens.detect.encoding import join_close_spans
from propaganda_lens.enrich.sentences import sentence_ranges

WORDS = ["the", "corrupt", "elites", "of", "star-studded", "don't", "and", "traitors", "nation", "to", "lie", "A", "4",
         "they", "but", "Al", "Qaeda", "New", "York", "quid", "pro", "quo", "status", "hot-mic"]
SEPARATORS = [" ", ", ", ". ", "! ", "? ", "\n", " - ", "… ", '." ', " (", ") ", "; ", ", and "]


def assert_readable(text: str, start: int, end: int) -> None:
    span = text[start:end]
    assert span == span.strip() and span
    assert start == 0 or not (is_word_character(text, start - 1) and is_word_character(text, start)), span
    assert end == len(text) or not (is_word_character(text, end - 1) and is_word_character(text, end)), span
    for word_start, word_end in (first_word(text, start, end), last_word(text, start, end)):
        assert text[word_start:word_end].lower() not in FUNCTION_WORDS, span
    ends = [match for match in SENTENCE_BREAK.finditer(text, start, end) if not ends_abbreviation(text, start, match.start() + 1)]
    assert not ends and "\n" not in span, span
    assert CLAUSE_BREAK.search(text, start, end) is None, span


def cleaned(text: str, *spans: tuple[int, int]) -> list[str]:
    return [text[start:end] for start, end, _ in clean_spans(text, [(start, end, 0.5) for start, end in spans])]


@st.composite
def text_and_spans(draw):
    pieces = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=1, max_size=40))
    text = "".join(word + separator for word, separator in pieces)
    bounds = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=8))
    spans = sorted((min(a, b), max(a, b), 0.5) for a, b in bounds if a != b)
    return text, spans


@settings(max_examples=400, deadline=None)
@given(text_and_spans(), st.sampled_from([0, 10, 1000]))
def test_cleaned_and_joined_spans_read_as_whole_phrases_within_a_sentence_and_a_clause(case, gap):
    text, spans = case
    for start, end, _ in join_close_spans(text, clean_spans(text, spans), gap, within_sentences=True,
                                          within_clauses=True):
        assert_readable(text, start, end)
        assert whole_names(text, start, end) == (start, end), text[start:end]


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


def test_a_span_is_cut_where_a_new_clause_starts():
    text = "They are traitors, and the corrupt elites will destroy our nation."
    assert cleaned(text, (9, 65)) == ["traitors", "corrupt elites will destroy our nation"]
    text = "They lied; we suffered, but they won. Russia, China, and Iran lied, or worse."
    assert cleaned(text, (5, 36), (38, 76)) == ["lied", "suffered", "won", "Russia, China, and Iran lied, or worse"]


def test_spans_are_not_joined_across_a_clause_break():
    text = "They are traitors, and the elites lie. Traitors, and Iran lies."
    spans = [(9, 17, 0.5), (27, 37, 0.5), (39, 47, 0.5), (53, 62, 0.5)]
    joined = join_close_spans(text, spans, 100, within_sentences=True, within_clauses=True)
    assert [text[start:end] for start, end, _ in joined] == ["traitors", "elites lie", "Traitors, and Iran lies"]


def test_a_span_never_cuts_a_name():
    text = "He said Al Qaeda terrorists and the New York Times lie. Al Qaeda lies."
    assert cleaned(text, (11, 27), (40, 44)) == ["Al Qaeda terrorists", "New York Times"]
    # A sentence's first word is capitalized whether or not it is a name's, so it does not extend a span.
    assert cleaned(text, (59, 69)) == ["Qaeda lies"]
    # A long run of capitalized words is a title-case headline, not a name.
    headline = "Pope Francis Says Church Must Bless Sin"
    assert cleaned(headline, (18, 39)) == ["Church Must Bless Sin"]


def test_a_span_never_cuts_a_fixed_expression():
    text = "It was a hot-mic, quid pro quo deal to keep the status quo, and de facto rule."
    assert cleaned(text, (13, 22), (27, 35), (52, 54), (64, 66)) == [
        "hot-mic, quid pro quo", "quid pro quo deal", "status quo", "de facto"]
    assert cleaned("the statuses quo", (4, 12)) == ["statuses"]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 26), st.integers(0, 26))
def test_a_hyphenated_compound_is_never_cut(a, b):
    text = "Then a hot-mic moment came."
    compound = (text.index("hot-mic"), text.index("hot-mic") + len("hot-mic"))
    for start, end, _ in clean_spans(text, [(min(a, b), max(a, b) + 1, 0.5)]):
        assert end <= compound[0] or start >= compound[1] or (start <= compound[0] and end >= compound[1])


def _cleaning_seconds(unit: str, size: int) -> float:
    """CPU seconds to clean a text of `unit` repeated: one span per word piece (an edge at every other
    character) and one span over it all."""
    text = (unit * size)[:size]
    started = time.process_time()
    clean_spans(text, [(index, index + 1, 0.5) for index in range(0, size, 2)])
    clean_spans(text, [(0, size, 0.5)])
    return time.process_time() - started


@pytest.mark.parametrize("unit", ["Al Qaeda ", "quid pro ", ", and the ", "A ", "A" * 49 + " ", "word "])
def test_cleaning_takes_time_proportional_to_the_text(unit):
    small = _cleaning_seconds(unit, 15_000)
    # Four times the text: four times the time when linear, sixteen when quadratic.
    assert _cleaning_seconds(unit, 60_000) < 6 * small + 0.1, unit
