"""PTC corpus I/O: real files, round trips, and malformed input."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propaganda_lens.data import TECHNIQUES, Span
from propaganda_lens.ingest.ptc import (
    PtcFormatError,
    clip_to_articles,
    format_labels,
    parse_labels,
    read_article,
    read_articles,
    read_labels,
)


def test_bom_is_kept_as_character_zero_and_gold_offsets_line_up(ptc_folder):
    article = read_article(ptc_folder / "train-articles" / "article712382330.txt")
    assert article.id == "712382330"
    assert article.text[0] == "\ufeff"
    spans = read_labels(ptc_folder / "train-labels-task-flc-tc" / "article712382330.task-flc-tc.labels")["712382330"]
    assert spans
    for span in spans:
        fragment = span.text_in(article.text)
        # The v2 trimming rule: no gold span starts or ends with whitespace or clause punctuation.
        assert fragment == fragment.strip(" \n.,:;")


def test_dev_split_reads_completely(ptc_folder):
    articles = read_articles(ptc_folder / "dev-articles")
    labels = read_labels(ptc_folder / "dev-task-flc-tc.labels")
    assert len(articles) == 75
    assert sum(len(spans) for spans in labels.values()) == 1063
    lengths = {a.id: len(a.text) for a in articles}
    assert all(span.end <= lengths[article_id] for article_id, spans in labels.items() for span in spans)


def test_per_article_folder_equals_combined_file(ptc_folder):
    folder = read_labels(ptc_folder / "dev-labels-task-si")
    combined = read_labels(ptc_folder / "dev-task-si.labels")
    assert {k: sorted((s.start, s.end) for s in v) for k, v in folder.items()} == {
        k: sorted((s.start, s.end) for s in v) for k, v in combined.items()
    }


def test_file_round_trip(tmp_path: Path, ptc_folder):
    labels = read_labels(ptc_folder / "dev-task-flc-tc.labels")
    out = tmp_path / "copy.labels"
    out.write_text(format_labels(labels, with_technique=True), encoding="utf-8")
    again = read_labels(out)
    key = lambda s: (s.start, s.end, s.technique)  # noqa: E731
    assert {k: sorted(v, key=key) for k, v in again.items()} == {k: sorted(v, key=key) for k, v in labels.items()}


def test_template_question_mark_means_no_technique():
    assert parse_labels(["42\t?\t3\t9"]) == {"42": [Span(3, 9)]}


@pytest.mark.parametrize(
    "row, message",
    [
        ("1\t2", "columns"),
        ("1\tNot_A_Technique\t0\t4", "unknown technique"),
        ("my article\t0\t4", "no spaces"),
        ("\t0\t4", "needs characters"),
        ("1\t5\t5", "start < end"),
        ("1\tfive\t9", "invalid literal"),
    ],
)
def test_malformed_rows_name_the_line(row, message):
    with pytest.raises(PtcFormatError, match=r"f\.labels:2: .*" + message):
        parse_labels(["1\t0\t3", row], "f.labels")


def test_clip_cuts_spans_past_the_end():
    from propaganda_lens.data import Article

    articles = {"1": Article("1", "abcdef")}
    assert clip_to_articles({"1": [Span(2, 9), Span(6, 8), Span(0, 3)]}, articles) == {"1": [Span(2, 6), Span(0, 3)]}


def test_article_names_and_encoding_are_checked(tmp_path: Path):
    bad_name = tmp_path / "notes.txt"
    bad_name.write_text("x")
    with pytest.raises(PtcFormatError, match="article<ID>.txt"):
        read_article(bad_name)
    bad_bytes = tmp_path / "article1.txt"
    bad_bytes.write_bytes(b"caf\xe9")
    with pytest.raises(PtcFormatError, match="not valid UTF-8"):
        read_article(bad_bytes)


spans_strategy = st.builds(
    lambda start, length, technique: Span(start, start + length, technique),
    st.integers(0, 10_000),
    st.integers(1, 500),
    st.sampled_from(TECHNIQUES),
)
labels_strategy = st.dictionaries(st.from_regex(r"[0-9]{1,12}", fullmatch=True), st.lists(spans_strategy, max_size=8))


@given(labels_strategy, st.booleans())
def test_format_then_parse_round_trips(labels, with_technique):
    parsed = parse_labels(format_labels(labels, with_technique).splitlines())
    expected = {
        article_id: sorted(
            (span.start, span.end, span.technique if with_technique else None) for span in spans
        )
        for article_id, spans in labels.items()
        if spans
    }
    assert {k: sorted((s.start, s.end, s.technique) for s in v) for k, v in parsed.items()} == expected


@given(st.lists(st.text(max_size=40), max_size=6))
def test_parsing_arbitrary_text_raises_only_format_errors(lines):
    try:
        parse_labels(lines)
    except PtcFormatError:
        pass


def test_2019_release_folds_fine_grained_labels_and_clips_overlong_spans(ptc_folder):
    folder = ptc_folder.parent / "ptc-nlp4if2019"
    article = read_article(folder / "train-articles" / "article765029945.txt")
    labels = read_labels(folder / "train-labels-FLC" / "article765029945.task-FLC.labels")
    techniques = {span.technique for span in labels["765029945"]}
    assert "Bandwagon,Reductio_ad_hitlerum" in techniques and techniques <= set(TECHNIQUES)
    assert max(span.end for span in labels["765029945"]) > len(article.text)  # [1643, 1653) in a 1652-char text
    clipped = clip_to_articles(labels, {article.id: article})["765029945"]
    assert all(span.end <= len(article.text) for span in clipped)


def test_the_dropped_2019_technique_is_skipped():
    rows = ["7\tObfuscation,Intentional_Vagueness,Confusion\t0\t5", "7\tStraw_Men\t6\t9"]
    assert parse_labels(rows) == {"7": [Span(6, 9, "Whataboutism,Straw_Men,Red_Herring")]}
