"""tools/compare_detectors.py: scores over a resample count every copy of an article."""

import sys
from pathlib import Path

import pytest

from propaganda_lens.data import Span
from propaganda_lens.train.examples import Split

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from compare_detectors import scores  # noqa: E402


def split_of(gold: dict[str, list[Span]]) -> Split:
    return Split(articles={}, si=gold, techniques=gold)  # scores reads the gold spans only


def test_a_repeated_article_weighs_as_often_as_it_is_drawn():
    gold = {"a": [Span(0, 10, "Loaded_Language")], "b": [Span(20, 30, "Doubt")]}
    found = {"a": [Span(0, 10)], "b": []}
    labelled = {"a": [Span(0, 10, "Loaded_Language")], "b": [Span(20, 30, "Flag-Waving")]}
    split = split_of(gold)
    assert scores(split, found, labelled, ["a", "b"]) == pytest.approx((2 / 3, 0.5))
    assert scores(split, found, labelled, ["a", "a", "b"]) == pytest.approx((0.8, 2 / 3))  # SI: P 1, R 2/3
    assert scores(split, found, labelled, ["b", "b"]) == (0.0, 0.0)
