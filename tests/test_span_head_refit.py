"""Refitting the span head: it learns from pooled span states, and the export loads in the detector's backend."""

import numpy as np
import onnxruntime
import pytest

pytest.importorskip("torch")

from propaganda_lens.train.export import export_span_head  # noqa: E402
from propaganda_lens.train.span_head import PooledSpans, accuracy, fit_span_head  # noqa: E402


def separable_spans(n: int = 120, hidden: int = 8, techniques: int = 3) -> PooledSpans:
    rng = np.random.default_rng(0)
    labels = np.zeros((n, techniques), dtype=np.float32)
    labels[np.arange(n), np.arange(n) % techniques] = 1
    vectors = rng.normal(size=(n, 3 * hidden)).astype(np.float32)
    vectors[:, :techniques] += 10 * labels  # each technique shifts its own coordinate
    return PooledSpans(vectors, rng.normal(size=(n, 3)).astype(np.float32), labels)


def test_a_refitted_head_learns_separable_techniques_and_exports(tmp_path):
    pooled = separable_spans()
    head = fit_span_head(pooled, epochs=30, learning_rate=5e-3, label_smoothing=0.2, seed=0)
    assert accuracy(head, pooled) >= 0.95
    export_span_head(head, 8, tmp_path)
    session = onnxruntime.InferenceSession(str(tmp_path / "span_head.onnx"), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"span_vectors": pooled.vectors, "span_features": pooled.features})
    assert (logits.argmax(axis=1) == pooled.labels.argmax(axis=1)).mean() >= 0.95


def test_recorded_scores_replace_the_head_dependent_ones_and_keep_the_encoders(ptc_folder, tmp_path):
    import json
    import shutil

    from propaganda_lens.detect.detector import Detector, shipped_model_path
    from propaganda_lens.train.evaluation import encode_split, reader_measures, record_scores
    from propaganda_lens.train.examples import Split, load_split

    model = tmp_path / "model"
    shutil.copytree(shipped_model_path("ptc-minilm"), model)
    before = json.loads((model / "evaluation.json").read_text(encoding="utf-8"))
    dev = load_split(ptc_folder, "dev")
    ids = sorted(dev.articles)[:4]
    sample = Split({i: dev.articles[i] for i in ids}, {i: dev.si[i] for i in ids}, {i: dev.techniques[i] for i in ids})
    detector = Detector.from_disk(model)
    states = encode_split(detector, sample)
    measures, _ = reader_measures(detector, sample, states=states)
    record_scores(model, detector, sample, states, measures)
    after = json.loads((model / "evaluation.json").read_text(encoding="utf-8"))
    variant = after["variants"][after["variant"]]
    assert variant["tc_f1"] == measures["tc_f1"] and variant["flc_f1"] == measures["flc_f1"]
    assert variant["si_f1"] == before["variants"][before["variant"]]["si_f1"]
    assert after["si_by_decoding"] == before["si_by_decoding"] and after["reader"] == measures
    assert set(after["tc_per_technique"]) == set(before["tc_per_technique"])
