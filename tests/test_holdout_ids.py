"""Each detector ships the ids of the train articles held out of its training (its calibration set), so that
`calibrate` and the cards' held-out figures reproduce from the package."""

import json

import pytest

from propaganda_lens.detect.detector import CONFIG_FILE, shipped_model_path
from propaganda_lens.train.examples import load_split, split_off


@pytest.mark.parametrize("folder", ["ptc-mpnet", "ptc-minilm"])
def test_the_held_out_ids_are_the_runs_hashed_tenth_of_train(folder, ptc_folder):
    """Both runs trained with --holdout-share 0.1 (their cards); the share is chosen by a hash of the id."""
    shipped = (shipped_model_path(folder) / "holdout.txt").read_text(encoding="utf-8").split()
    _, held_out = split_off(load_split(ptc_folder, "train"), 0.1)
    assert shipped == sorted(held_out.articles) and len(shipped) == 32


def test_calibrating_fast_on_its_held_out_ids_gives_its_shipped_calibration(ptc_folder, tmp_path):
    """The ids are the very articles `fast` was calibrated on: refitting on them gives the shipped values."""
    pytest.importorskip("scipy", reason="needs the train extra")
    import shutil

    from typer.testing import CliRunner

    from propaganda_lens.cli.main import app

    model = tmp_path / "fast"
    shutil.copytree(shipped_model_path("ptc-minilm"), model)
    shipped = json.loads((model / CONFIG_FILE).read_text(encoding="utf-8"))
    result = CliRunner().invoke(app, ["calibrate", str(model), "--ptc", str(ptc_folder), "--articles",
                                      str(model / "holdout.txt")])
    assert result.exit_code == 0, result.output
    refitted = json.loads((model / CONFIG_FILE).read_text(encoding="utf-8"))
    assert refitted["technique_temperature"] == pytest.approx(shipped["technique_temperature"], rel=1e-6)
    assert refitted["span_calibration"] == pytest.approx(shipped["span_calibration"], rel=1e-6)
