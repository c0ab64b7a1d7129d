"""Training and exporting a check-worthiness model end to end, on a tiny randomly initialised encoder and a few
hundred CheckThat! 2024 lines: batches by length, selection on a held-out part of train, an export of any epoch
whose card and config say how it was made, and tools/adapt_claims_model.py's out-of-fold measure."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED, shared

pytest.importorskip("torch", reason="needs the train extra")

from propaganda_lens.claims.checkworthiness import CheckworthinessModel  # noqa: E402
from propaganda_lens.train.checkworthiness import (  # noqa: E402
    SPLIT_FILES, epoch_batches, export_checkworthiness, read_sentences, train_checkworthiness, train_holdout,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from adapt_claims_model import adaptation_figures, nested_cut_f1  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")  # torch's ONNX tracer warnings


@pytest.fixture(scope="module")
def tiny_ct24(tmp_path_factory) -> Path:
    """The first 600 train lines, 60 dev and 40 dev-test lines of CT24, header kept."""
    source = shared(SHARED / "data" / "checkthat2024-task1-en", "the CheckThat! 2024 data")
    root = tmp_path_factory.mktemp("ct24")
    for split, lines in (("train", 601), ("dev", 61), ("dev-test", 41)):
        text = (source / SPLIT_FILES[split]).read_text(encoding="utf-8")
        (root / SPLIT_FILES[split]).write_text("".join(text.splitlines(keepends=True)[:lines]), encoding="utf-8")
    return root


def test_epoch_batches_cover_every_sentence_once_and_by_length_pad_less():
    rng = np.random.default_rng(0)
    lengths = list(rng.integers(3, 90, 5000))
    for by_length in (False, True):
        batches = epoch_batches(lengths, 32, np.random.default_rng(1), by_length)
        assert sorted(np.concatenate(batches).tolist()) == list(range(5000))
        assert all(len(batch) == 32 for batch in batches[:-1] if not by_length)
    padded = {by_length: sum(32 * max(lengths[i] for i in batch) for batch in
                             epoch_batches(lengths, 32, np.random.default_rng(1), by_length))
              for by_length in (False, True)}
    assert padded[True] < 0.7 * padded[False]


def test_the_train_holdout_is_a_tenth_in_blocks_of_neighbouring_ids():
    assert [train_holdout(str(i)) for i in (0, 99, 100, 999, 1000, 1099, 1100)] == [
        True, True, False, False, True, True, False]
    ids = [str(i) for i in range(100_000)]
    assert sum(map(train_holdout, ids)) == 10_000


def test_a_run_selected_on_train_exports_any_epoch_with_a_card_that_reproduces_it(tiny_ct24, tiny_encoder, tmp_path):
    run = tmp_path / "run"
    train_checkworthiness(tiny_ct24, tiny_encoder, run, epochs=2, batch_size=16, by_length=True, select_on_train=True)
    records = [json.loads(line) for line in (run / "training_log.jsonl").read_text().splitlines()]
    assert [record["selected_on"] for record in records] == ["train_holdout", "train_holdout"]
    held_out = [s for s in read_sentences(tiny_ct24 / SPLIT_FILES["train"]) if train_holdout(s.id)]
    assert held_out  # the selection set is not empty on these lines
    assert {"epoch-1.pt", "epoch-2.pt", "best.pt", "options.txt"} <= {path.name for path in run.iterdir()}
    assert "--by-length --select-on-train" in (run / "options.txt").read_text()

    destination = tmp_path / "models" / "checkworthiness-tiny"
    evaluation = export_checkworthiness(run, tiny_encoder, tiny_ct24, destination, checkpoint="epoch-1.pt")
    model = CheckworthinessModel.from_disk(destination)
    assert model.config.name == "checkworthiness-tiny"
    assert model.config.threshold == records[0]["threshold"]
    assert evaluation["epoch"] == 1 and evaluation["selected_on"] == "train_holdout"
    card = (destination / "README.md").read_text()
    assert card.startswith("# checkworthiness-tiny")
    assert "--select-on-train" in card and "--checkpoint epoch-1.pt" in card
    assert "chosen on that held-out tenth of train" in card
    assert model.probabilities(["Taxes rose by 3 percent.", "Thank you."]).shape == (2,)



def test_the_nested_cut_scores_each_fold_at_the_threshold_of_the_others():
    """Fold 0's scores are low and fold 1's high: each fold's cut, chosen on the other, misses or overcalls."""
    probabilities = np.array([0.3, 0.1, 0.9, 0.5])
    labels = np.array([True, False, True, False])
    result = nested_cut_f1(probabilities, labels, np.array([0, 0, 1, 1]))
    assert result == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_adaptation_to_dev_test_is_measured_out_of_fold(tiny_ct24, tiny_encoder, tmp_path):
    run = tmp_path / "run"
    train_checkworthiness(tiny_ct24, tiny_encoder, run, epochs=1, batch_size=16, select_on_train=True)
    figures = adaptation_figures(run, tiny_encoder, tiny_ct24, folds=2, replay=1.0, epochs=1)
    trained_threshold = json.loads((run / "training_log.jsonl").read_text().splitlines()[0])["threshold"]
    assert (figures["folds"], figures["sentences"], figures["threshold"]) == (2, 40, trained_threshold)
    for name in ("as trained", "adapted"):
        assert set(figures[name]) == {"at_threshold", "nested_cut"}
        assert 0.0 <= figures[name]["at_threshold"]["f1"] <= 1.0
