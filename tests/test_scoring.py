"""The SemEval-2020 Task 11 measures on small cases computed by hand."""

import pytest

from propaganda_lens.data import Span
from propaganda_lens.scoring import merge_overlapping, score_flc, score_si, score_tc

LOADED, DOUBT, SLOGANS = "Loaded_Language", "Doubt", "Slogans"


def test_si_partial_overlaps():
    gold = {"1": [Span(0, 10), Span(20, 30)]}
    predicted = {"1": [Span(5, 15), Span(20, 30), Span(40, 50)]}
    score = score_si(gold, predicted)
    # P = (5/10 + 10/10 + 0) / 3 predicted spans; R = (5/10 + 10/10) / 2 gold spans.
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(0.75)
    assert score.f1 == pytest.approx(0.6)


def test_si_merges_overlapping_predictions():
    gold = {"1": [Span(0, 10)]}
    predicted = {"1": [Span(0, 10), Span(5, 15)]}  # merged to [0, 15)
    score = score_si(gold, predicted)
    assert score.precision == pytest.approx(10 / 15)
    assert score.recall == pytest.approx(1.0)


def test_si_counts_articles_without_gold_and_without_predictions():
    gold = {"1": [Span(0, 10)], "2": [Span(0, 4)]}
    predicted = {"1": [Span(0, 10)], "3": [Span(0, 2)]}
    score = score_si(gold, predicted)
    assert score.precision == pytest.approx(1 / 2)
    assert score.recall == pytest.approx(1 / 2)


def test_si_no_predictions_scores_zero():
    assert score_si({"1": [Span(0, 3)]}, {}).f1 == 0.0


def test_merge_keeps_touching_spans_apart():
    assert merge_overlapping([Span(0, 5), Span(5, 9), Span(3, 4)]) == [(0, 5), (5, 9)]


def test_flc_counts_only_pairs_with_the_same_technique():
    gold = {"1": [Span(0, 10, LOADED), Span(0, 10, DOUBT)]}
    predicted = {"1": [Span(0, 5, LOADED), Span(0, 10, SLOGANS)]}
    score = score_flc(gold, predicted)
    # Only the Loaded_Language pair counts: 5/5 for precision, 5/10 for recall.
    assert score.precision == pytest.approx(1.0 / 2)
    assert score.recall == pytest.approx(0.5 / 2)
    assert score.f1 == pytest.approx(1 / 3)
    assert score.per_technique[LOADED].precision == pytest.approx(1.0)
    assert score.per_technique[LOADED].recall == pytest.approx(0.5)
    assert score.per_technique[SLOGANS].precision == 0.0
    assert score.per_technique[DOUBT].recall == 0.0


def test_tc_matches_multi_technique_spans_in_any_order():
    gold = {"1": [Span(0, 10, LOADED), Span(0, 10, DOUBT), Span(20, 30, SLOGANS)]}
    predicted = {"1": [Span(0, 10, DOUBT), Span(0, 10, LOADED), Span(20, 30, LOADED)]}
    score = score_tc(gold, predicted)
    assert score.f1 == pytest.approx(2 / 3)
    assert score.per_technique[LOADED].precision == pytest.approx(1 / 2)
    assert score.per_technique[LOADED].recall == pytest.approx(1.0)
    assert score.per_technique[SLOGANS].recall == 0.0


def test_tc_does_not_credit_a_repeated_technique_twice():
    gold = {"1": [Span(0, 10, LOADED), Span(0, 10, DOUBT)]}
    predicted = {"1": [Span(0, 10, LOADED), Span(0, 10, LOADED)]}
    assert score_tc(gold, predicted).f1 == pytest.approx(1 / 2)


def test_expected_calibration_error():
    from propaganda_lens.scoring import expected_calibration_error

    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)
    assert expected_calibration_error([0.95] * 2 + [0.15] * 2, [False, False, False, False]) == pytest.approx(0.55)
    assert expected_calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)
    assert expected_calibration_error([], []) == 0.0
