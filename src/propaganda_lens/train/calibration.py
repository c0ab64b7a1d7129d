"""Calibration fitted on train articles that training never saw (a run's holdout.txt), never on dev:
a temperature for the technique head (minimum negative log-likelihood on gold technique spans) and a
logistic map for span probabilities (Platt scaling: is a predicted span right, i.e. does it overlap a gold
span of its technique). Both are stored in the model's config.json, so inference stays numpy only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from propaganda_lens.detect.detector import Detector, DetectorConfig, platt, softmax
from propaganda_lens.scoring import expected_calibration_error, matches_gold
from propaganda_lens.train.evaluation import techniques_by_range
from propaganda_lens.train.examples import Split

EPSILON = 1e-6


def fit_temperature(log_probabilities: np.ndarray, right: np.ndarray) -> float:
    """The temperature T that minimises the negative log-likelihood of softmax(log_probabilities / T), where
    `right` (n, k) marks the techniques gold gives each span (a span may carry several)."""

    def loss(log_temperature: float) -> float:
        probabilities = softmax(log_probabilities / np.exp(log_temperature))
        return float(-np.log(np.maximum((probabilities * right).sum(axis=1), EPSILON)).mean())

    return float(np.exp(minimize_scalar(loss, bounds=(np.log(0.1), np.log(20.0)), method="bounded").x))


def fit_platt(probabilities: np.ndarray, outcomes: np.ndarray) -> tuple[float, float]:
    """(a, b) of the logistic map sigmoid(a * logit(p) + b) that best predicts the outcomes (log-loss)."""

    def loss(parameters: np.ndarray) -> float:
        mapped = np.clip(platt(probabilities, *parameters), EPSILON, 1 - EPSILON)
        return float(-(outcomes * np.log(mapped) + (1 - outcomes) * np.log(1 - mapped)).mean())

    slope, intercept = minimize(loss, np.array([1.0, 0.0]), method="Nelder-Mead").x
    return float(slope), float(intercept)


def _technique_ece(log_probabilities: np.ndarray, right: np.ndarray, temperature: float) -> float:
    """ECE of the top technique on gold spans at a temperature."""
    probabilities = softmax(log_probabilities / temperature)
    top = probabilities.argmax(axis=1)
    return expected_calibration_error(probabilities.max(axis=1), right[np.arange(len(top)), top] > 0)


def calibrate(detector: Detector, held_out: Split) -> tuple[DetectorConfig, dict[str, float]]:
    """The detector's config with a fitted temperature and span map, and the ECE on the held-out articles
    before and after (in-sample figures: score the result on dev with `evaluate-model`)."""

    def with_config(**changes) -> Detector:
        return Detector(detector.backend, detector.tokenizer, replace(detector.config, **changes),
                        span_priors=detector.span_priors)

    raw = with_config(technique_temperature=1.0, span_calibration=None)
    states = {article_id: raw.run(held_out.articles[article_id].text) for article_id in sorted(held_out.articles)}
    log_probabilities, right = [], []
    for article_id, state in states.items():
        gold = held_out.techniques[article_id]
        wanted = techniques_by_range(gold)
        for key, row in zip(wanted, raw.technique_probabilities(state, list(wanted))):
            log_probabilities.append(np.log(np.maximum(row, EPSILON)))
            right.append([technique in wanted[key] for technique in raw.config.techniques])
    log_probabilities, right = np.asarray(log_probabilities), np.asarray(right, dtype=np.float64)
    temperature = fit_temperature(log_probabilities, right)

    def span_pairs(model: Detector) -> tuple[np.ndarray, np.ndarray]:
        """(probability, right) of every span the model finds in the held-out articles."""
        pairs = [
            (span.probability, matches_gold(span, held_out.techniques[article_id]))
            for article_id, state in states.items()
            for span in model.spans_from(state)
        ]
        return np.asarray([p for p, _ in pairs]), np.asarray([o for _, o in pairs], dtype=np.float64)

    # A span's probability includes its technique's, so the span map is fitted on tempered probabilities.
    before, outcomes = span_pairs(raw)
    tempered, _ = span_pairs(with_config(technique_temperature=temperature, span_calibration=None))
    span_map = fit_platt(tempered, outcomes)
    calibrated = with_config(technique_temperature=temperature, span_calibration=span_map)
    after, _ = span_pairs(calibrated)
    return calibrated.config, {
        "temperature": temperature,
        "span_map_slope": span_map[0],
        "span_map_intercept": span_map[1],
        "held_out_articles": len(held_out.articles),
        "ece_technique_before": _technique_ece(log_probabilities, right, 1.0),
        "ece_technique_after": _technique_ece(log_probabilities, right, temperature),
        "ece_spans_before": expected_calibration_error(before, outcomes > 0),
        "ece_spans_after": expected_calibration_error(after, outcomes > 0),
    }
