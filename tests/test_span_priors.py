"""Span-text priors: keys ignore case and punctuation, unknown texts get no prior, the table survives a round
trip, and a detector consults it only when its config asks."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from propaganda_lens.detect.detector import CONFIG_FILE, Detector, ModelError, shipped_model_path
from propaganda_lens.detect.priors import PRIORS_FILE, SpanPriors, text_key

LABELS = np.array([[0, 3, 0], [1, 0, 1]], dtype=float)


def test_keys_ignore_case_punctuation_and_spacing():
    assert text_key("Radical  Islam!") == text_key("radical islam") == text_key("\u201cradical-islam\u201d")
    assert text_key("radical islam") != text_key("radical islamist")


@given(st.text(max_size=200))
def test_any_text_has_a_short_key_that_ignores_edge_punctuation(text):
    key = text_key(text)
    assert len(key) == 16 and key == text_key(f" \u201c{text} !")


def test_a_known_text_gets_its_smoothed_log_prior_and_an_unknown_one_none():
    priors = SpanPriors.from_labels(["so-called", "radical Islam"], LABELS)
    rows = priors.log_prior(["So called", "never seen"], strength=1.0, smoothing=0.5)
    np.testing.assert_allclose(rows[0], np.log(np.array([0.5, 3.5, 0.5]) / 4.5), rtol=1e-6)
    assert rows[1].tolist() == [0.0, 0.0, 0.0]
    assert priors.log_prior([], 1.0, 0.5).shape == (0, 3)


def test_counts_of_one_text_add_up_and_survive_a_round_trip(tmp_path):
    priors = SpanPriors.from_labels(["weak", "Weak", "strong"], np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], float))
    priors.to_disk(tmp_path)
    again = SpanPriors.from_disk(tmp_path, 3)
    assert again.counts[text_key("weak")].tolist() == [1, 1, 0]
    assert again.counts.keys() == priors.counts.keys()


def test_a_table_of_the_wrong_width_is_refused(tmp_path):
    (tmp_path / PRIORS_FILE).write_text("abc\t1\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected 3"):
        SpanPriors.from_disk(tmp_path, 3)


@pytest.fixture(scope="module")
def fast_detector() -> Detector:
    return Detector.from_disk("fast")


def test_a_prior_moves_a_known_span_towards_its_technique_and_leaves_others(fast_detector):
    text = "The so-called experts lied again. The weather was mild."
    spans = [(4, 21), (38, 45)]
    state = fast_detector.run(text)
    without = fast_detector.technique_probabilities(state, spans)
    labels = np.zeros((1, len(fast_detector.config.techniques)))
    labels[0, fast_detector.config.techniques.index("Doubt")] = 50
    priors = SpanPriors.from_labels(["so-called experts"], labels)
    config = replace(fast_detector.config, span_prior_strength=1.0)
    with_prior = Detector(fast_detector.backend, fast_detector.tokenizer, config, span_priors=priors)
    moved = with_prior.technique_probabilities(state, spans)
    doubt = config.techniques.index("Doubt")
    def odds(probability: float) -> float:
        return probability / (1 - probability)

    assert moved[0].argmax() == doubt
    assert odds(moved[0, doubt]) > 10 * odds(without[0, doubt])  # a shift of its logit, whatever the temperature
    np.testing.assert_allclose(moved[1], without[1], rtol=1e-5)


def test_a_model_that_asks_for_priors_without_the_table_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(shipped_model_path("ptc-minilm"), copy)
    config = json.loads((copy / CONFIG_FILE).read_text(encoding="utf-8"))
    (copy / CONFIG_FILE).write_text(json.dumps({**config, "span_prior_strength": 1.0}), encoding="utf-8")
    (copy / PRIORS_FILE).unlink(missing_ok=True)
    with pytest.raises(ModelError, match="span priors"):
        Detector.from_disk(copy, verify=False)
