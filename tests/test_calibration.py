"""Calibration: the temperature and span map fits, and `calibrate` on a copy of the shipped model."""

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("scipy", reason="needs the train extra")

from conftest import assert_one_line_error  # noqa: E402
from propaganda_lens.cli.main import app as cli  # noqa: E402
from propaganda_lens.detect.detector import (  # noqa: E402
    CHECKSUM_FILE, CONFIG_FILE, Detector, shipped_model_path, write_checksums)
from propaganda_lens.train.calibration import fit_platt, fit_temperature  # noqa: E402


def test_an_overconfident_head_gets_a_temperature_above_one():
    rng = np.random.default_rng(0)
    log_probabilities = np.tile([0.0, -8.0, -8.0], (400, 1))  # always 99.9% sure of technique 0 …
    right = np.zeros((400, 3))
    right[np.arange(400), np.where(rng.random(400) < 0.6, 0, rng.integers(1, 3, 400))] = 1  # … right 60% of the time
    temperature = fit_temperature(log_probabilities, right)
    scaled = np.exp(log_probabilities[0] / temperature)
    assert temperature > 2 and scaled[0] / scaled.sum() == pytest.approx(right[:, 0].mean(), abs=0.01)


def test_the_span_map_brings_probabilities_to_the_observed_rate():
    rng = np.random.default_rng(1)
    probabilities = rng.uniform(0.6, 0.9, 2000)
    outcomes = (rng.random(2000) < probabilities / 3).astype(float)  # right a third as often as claimed
    slope, intercept = fit_platt(probabilities, outcomes)
    logits = np.log(probabilities / (1 - probabilities))
    mapped = 1 / (1 + np.exp(-(slope * logits + intercept)))
    assert mapped.mean() == pytest.approx(outcomes.mean(), abs=0.02)


def test_calibrate_rewrites_the_config_and_checksums(ptc_folder, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(shipped_model_path("ptc-minilm"), model)
    config = json.loads((model / CONFIG_FILE).read_text(encoding="utf-8"))
    config.update(technique_temperature=1.0, span_calibration=None)  # the copy as export leaves it: uncalibrated
    (model / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    listed = [line.split()[1] for line in (model / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()]
    write_checksums(model, listed)
    checksums = (model / CHECKSUM_FILE).read_text(encoding="utf-8")
    ids = sorted(path.stem.removeprefix("article") for path in (ptc_folder / "train-articles").glob("article*.txt"))[:6]
    (tmp_path / "holdout.txt").write_text("\n".join(ids) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["calibrate", str(model), "--ptc", str(ptc_folder),
                                      "--articles", str(tmp_path / "holdout.txt")])
    assert result.exit_code == 0, result.output
    config = json.loads((model / CONFIG_FILE).read_text(encoding="utf-8"))
    assert config["technique_temperature"] != 1.0 and 0 < config["technique_temperature"] < 100
    assert config["span_calibration"] is not None and len(config["span_calibration"]) == 2
    assert config["span_calibration"] != [1.0, 0.0] and np.all(np.isfinite(config["span_calibration"]))
    assert (model / CHECKSUM_FILE).read_text(encoding="utf-8") != checksums
    detector = Detector.from_disk(model)  # the checksums match the new config
    spans = detector.find_spans("They are traitors and cowards, and the corrupt elites will destroy our nation.")
    assert spans and all(0 < span.probability < 1 for span in spans)


def test_calibrate_refuses_articles_that_are_not_train_articles(ptc_folder, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(shipped_model_path("ptc-minilm"), model)
    dev_id = sorted((ptc_folder / "dev-articles").glob("article*.txt"))[0].stem.removeprefix("article")
    (tmp_path / "ids.txt").write_text(dev_id + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["calibrate", str(model), "--ptc", str(ptc_folder), "--articles",
                                      str(tmp_path / "ids.txt")])
    assert_one_line_error(result, "only on train articles")


def test_the_reliability_diagram_is_a_png_with_one_panel_per_measure(tmp_path):
    from propaganda_lens.scoring import reliability_bins
    from propaganda_lens.train.reliability import write_reliability_diagram

    probabilities = [0.05, 0.15, 0.5, 0.55, 0.95, 1.0]
    outcomes = [False, False, True, False, True, True]
    assert reliability_bins(probabilities, outcomes) == [
        (0.0, 0.1, 1, 0.05, 0.0), (0.1, 0.2, 1, 0.15, 0.0), (0.5, 0.6, 2, 0.525, 0.5), (0.9, 1.0, 2, 0.975, 1.0)]
    path = tmp_path / "reliability.png"
    write_reliability_diagram(path, "test", {"a": (probabilities, outcomes), "b": (probabilities[:3], outcomes[:3])})
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(data[16:20], "big")
    assert width > 900  # two panels side by side
