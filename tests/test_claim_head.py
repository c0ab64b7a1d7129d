"""tools/fit_claim_head.py: the head fitted on cached encoder states is reproducible, its folds are stratified
(and keep pseudo-articles whole), Platt scaling recovers a known calibration map; the extraction pools a
one-sentence text as the detector pools a span of it, and a CT24 line in context over its own character range
of its pseudo-article."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from claim_head_features import context_vectors, pseudo_articles, sentence_vectors  # noqa: E402
from fit_claim_head import FOLDS, fit_logistic, folds_for, folds_of, logits_of, platt_fit, sigmoid  # noqa: E402

from propaganda_lens.api import default_detector  # noqa: E402
from propaganda_lens.train.checkworthiness import LabelledSentence  # noqa: E402


def separable(seed: int = 0, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 6))
    labels = features @ np.array([2.0, -1.0, 0.5, 0, 0, 0]) + 0.3 * rng.normal(size=n) > 0.5
    return features, labels


def test_a_refit_from_the_same_features_gives_the_same_head_and_it_separates_them():
    features, labels = separable()
    first, second = fit_logistic(features, labels, 0.01), fit_logistic(features, labels, 0.01)
    np.testing.assert_array_equal(logits_of(first, features), logits_of(second, features))
    accuracy = np.mean((logits_of(first, features) > 0) == labels)
    assert accuracy > 0.9


def test_folds_are_stratified_and_fixed():
    labels = np.arange(103) % 4 == 0
    folds = folds_of(labels)
    np.testing.assert_array_equal(folds, folds_of(labels))
    for fold in range(FOLDS):
        assert abs(labels[folds == fold].sum() - labels.sum() / FOLDS) <= 1


def test_platt_scaling_recovers_a_known_map():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3, size=20000)
    labels = rng.random(20000) < sigmoid(0.5 * logits - 1.0)
    slope, intercept = platt_fit(logits, labels)
    assert abs(slope - 0.5) < 0.05 and abs(intercept + 1.0) < 0.08


def test_a_sentence_alone_is_pooled_as_the_detector_pools_its_span():
    detector = default_detector("fast")
    text = "Unemployment fell to 3.5 percent in 2019."
    state = detector.run(text)
    expected = detector.span_vectors(state, [(0, len(text))])[0]
    # alone: an int8 encoder quantizes activations per batch, so a batch's other sentences move the states a little
    np.testing.assert_allclose(sentence_vectors(detector, [text])[0], expected, atol=1e-4)


def test_pseudo_articles_follow_the_ids_and_break_at_a_gap_or_at_the_line_limit():
    ids = [5, 1, 2, 3, 40, 41, 4]
    assert pseudo_articles(ids, max_lines=3, max_gap=10) == [[1, 2, 3], [6, 0], [4, 5]]
    assert pseudo_articles(ids, max_lines=20, max_gap=1) == [[1, 2, 3, 6, 0], [4, 5]]


def test_grouped_folds_keep_each_pseudo_article_whole_and_share_out_the_positives():
    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(200), rng.integers(1, 21, size=200))
    labels = rng.random(len(groups)) < 0.25
    folds, kind = folds_for(labels, groups)
    assert kind.startswith("grouped")
    np.testing.assert_array_equal(folds, folds_for(labels, groups)[0])
    for group in np.unique(groups):
        assert len(set(folds[groups == group])) == 1
    for fold in range(FOLDS):
        assert abs(labels[folds == fold].sum() - labels.sum() / FOLDS) <= 10
        assert abs((folds == fold).sum() - len(labels) / FOLDS) <= 20  # a pseudo-article holds 20 lines at most
    singletons = np.arange(len(labels))
    np.testing.assert_array_equal(folds_for(labels, singletons)[0], folds_of(labels))


def test_a_line_in_context_is_pooled_over_its_own_range_of_its_pseudo_article():
    detector = default_detector("fast")
    lines = [LabelledSentence("12", "Thank you very much.", False),
             LabelledSentence("10", "We created 15 million jobs in the last four years.", True),
             LabelledSentence("11", "That is simply not true.", False),
             LabelledSentence("90", "Good evening.", False)]
    vectors, groups = context_vectors(detector, lines, max_lines=20, max_gap=5)
    assert groups.tolist() == [0, 0, 0, 1]
    text = "We created 15 million jobs in the last four years.\nThat is simply not true.\nThank you very much."
    state = detector.run(text)
    middle = text.index("That")
    expected = detector.span_vectors(state, [(middle, middle + len("That is simply not true."))])[0]
    np.testing.assert_array_equal(vectors[2], expected)
    alone = sentence_vectors(detector, ["That is simply not true."])[0]
    assert np.abs(vectors[2] - alone).max() > 1e-2  # the neighbours' tokens move the line's states
