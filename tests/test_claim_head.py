"""tools/fit_claim_head.py: the head fitted on cached encoder states is reproducible, its folds are stratified,
Platt scaling recovers a known calibration map, and the extraction pools a one-sentence text as the detector
pools a span of it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from claim_head_features import sentence_vectors  # noqa: E402
from fit_claim_head import FOLDS, fit_logistic, folds_of, logits_of, platt_fit, sigmoid  # noqa: E402

from propaganda_lens.api import default_detector  # noqa: E402


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
