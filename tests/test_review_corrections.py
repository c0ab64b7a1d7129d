"""Corrections files: parsing that keeps every good item and names each bad one, and spans with corrections applied."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propaganda_lens.data import Correction, Span, text_sha256
from propaganda_lens.review.corrections import (
    ArticleCorrections, CorrectionsError, apply_corrections, check_against, parse_corrections, read_corrections,
    reviewed_spans, write_corrections,
)

TEXT = "They are traitors, and the corrupt elites will destroy our nation."
NAME, LOADED, FEAR = "Name_Calling,Labeling", "Loaded_Language", "Appeal_to_fear-prejudice"


def document(corrections, text=TEXT):
    return {"format": "propaganda-lens-corrections", "version": 1,
            "articles": [{"article": "a1", "text_sha256": text_sha256(text), "model": "m", "corrections": corrections}]}


def test_round_trip_through_a_file(tmp_path):
    item = ArticleCorrections("a1", text_sha256(TEXT), [
        Correction("relabel", 9, 17, LOADED, NAME, "ana", "2026-12-04T21:00:00Z"),
        Correction("add", 27, 41, NAME)], model="m")
    path = tmp_path / "corrections.json"
    write_corrections(path, [item])
    items, problems = read_corrections(path)
    assert problems == [] and items == [item]


def test_bad_items_are_named_and_the_rest_kept():
    items, problems = parse_corrections(document([
        {"action": "accept", "start": 9, "end": 17, "technique": NAME, "model_technique": NAME},
        {"action": "relabel", "start": 9, "end": 17, "technique": "Sarcasm", "model_technique": NAME},
        {"action": "add", "start": 20, "end": 10, "technique": NAME},
        {"action": "delete", "start": 0, "end": 4, "technique": NAME},
        {"action": "add", "start": "0", "end": 4, "technique": NAME},
        {"action": "reject", "start": 0, "end": 4, "technique": NAME},
    ]))
    assert [correction.action for correction in items[0].corrections] == ["accept"]
    assert len(problems) == 5
    assert "unknown technique 'Sarcasm'" in problems[0] and "start < end" in problems[1]
    assert "unknown action 'delete'" in problems[2] and "'start' must be an integer" in problems[3]
    assert "model's technique" in problems[4]
    assert all(problem.startswith("article 'a1', correction ") for problem in problems)


@pytest.mark.parametrize("data, message", [
    ([], "not a corrections file"),
    ({"format": "propaganda-lens-corrections", "version": 2, "articles": []}, "version 2 is not supported"),
    ({"format": "propaganda-lens-corrections", "version": 1}, "needs an \"articles\" list"),
])
def test_a_file_that_is_not_one_is_refused_with_one_message(data, message):
    with pytest.raises(CorrectionsError, match=message):
        parse_corrections(data)


def test_unreadable_files_give_one_message(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff{not json")
    with pytest.raises(CorrectionsError, match="is not valid JSON"):
        read_corrections(path)
    with pytest.raises(CorrectionsError, match="cannot read"):
        read_corrections(tmp_path / "missing.json")


def test_checked_against_the_text_it_was_made_on():
    item = parse_corrections(document([
        {"action": "add", "start": 0, "end": 4, "technique": NAME},
        {"action": "add", "start": 60, "end": 600, "technique": NAME}]))[0][0]
    kept, problems = check_against(item, TEXT)
    assert [correction.end for correction in kept] == [4] and "outside the text" in problems[0]
    kept, problems = check_against(item, TEXT + " Edited.")
    assert kept == [] and "no longer matches" in problems[0]


def test_applied_corrections_review_where_reviewed_else_keep_the_model():
    model = [Span(0, 4, NAME, 0.6), Span(9, 17, NAME, 0.9), Span(27, 41, LOADED, 0.7), Span(42, 65, FEAR, 0.4)]
    reviewed = apply_corrections(model, [
        Correction("reject", 0, 4, NAME, NAME),
        Correction("relabel", 27, 41, NAME, LOADED),
        Correction("relabel", 27, 41, FEAR, LOADED),  # the later decision on the same span wins
        Correction("accept", 9, 17, NAME, NAME),
        Correction("add", 48, 55, LOADED),
    ])
    assert [(item.span.start, item.span.technique, item.action) for item in reviewed] == [
        (9, NAME, "accept"), (27, FEAR, "relabel"), (42, FEAR, None), (48, LOADED, "add")]
    assert reviewed[0].span.probability == 0.9 and reviewed[1].span.probability is None
    assert reviewed_spans(model, []) == model


OBJECTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30)
CORRECTION_LIKE = st.fixed_dictionaries({}, optional={
    "action": st.sampled_from(["accept", "reject", "relabel", "add", "x"]) | OBJECTS,
    "start": st.integers(-5, 80) | OBJECTS, "end": st.integers(-5, 80) | OBJECTS,
    "technique": st.sampled_from([NAME, LOADED, "?"]) | OBJECTS,
    "model_technique": st.sampled_from([NAME, LOADED, None]) | OBJECTS, "reviewer": OBJECTS, "time": OBJECTS})


@settings(deadline=None, max_examples=200)
@given(st.lists(CORRECTION_LIKE | OBJECTS, max_size=6))
def test_any_json_either_parses_or_names_each_bad_item(corrections):
    items, problems = parse_corrections(json.loads(json.dumps(document(corrections))))
    assert len(items[0].corrections) + len(problems) == len(corrections)
    kept, _ = check_against(items[0], TEXT)
    apply_corrections([Span(9, 17, NAME)], kept)
