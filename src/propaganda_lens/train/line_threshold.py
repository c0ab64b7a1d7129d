"""The cut for lines scored alone (the `claims` command, as CheckThat! scores debate lines), chosen to hold when the
debates and their share of check-worthy lines change.

A model's own threshold is chosen on older debates (ClaimBuster's, 1960-2016; 23 % Yes), and there it sits on a
flat stretch of F1. On CT24 dev-test, newer debates like those of CheckThat! 2024's test set (34 % Yes), the same
model calls too few lines check-worthy. The line cut is the one (0.05 steps) with the best mean positive-class F1
over both eras: the model's held-out tenth of train and dev-test. Since dev-test takes part in the choice, its
honest figure is nested: each block of consecutive dev-test ids is cut at the threshold chosen on the older
debates and the other blocks. An article's sentences keep the model's own threshold: news prose is not debate
speech, and the news set's tuning half wants a cut near it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from propaganda_lens.claims.checkworthiness import MODEL_FILE, CheckworthinessModel
from propaganda_lens.detect.detector import CONFIG_FILE, EVALUATION_FILE, TOKENIZER_FILE, write_checksums
from propaganda_lens.files import write_text_atomically
from propaganda_lens.train.checkworthiness import (
    SPLIT_FILES, THRESHOLD_STEPS, positive_f1, read_sentences, train_holdout,
)


def fold_of(count: int, folds: int) -> np.ndarray:
    """The fold of each of `count` sentences in id order: `folds` blocks of consecutive sentences."""
    return np.arange(count) * folds // count


def best_mean_cut(sets: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The cut with the best mean positive-class F1 over the (probabilities, labels) sets; the lowest on a tie."""
    return float(max(THRESHOLD_STEPS, key=lambda cut: np.mean([positive_f1(p, y, cut)["f1"] for p, y in sets])))


def nested_f1(older: tuple[np.ndarray, np.ndarray] | None, newer: tuple[np.ndarray, np.ndarray], folds: int) -> dict:
    """Positive-class scores on `newer` when each of its `folds` blocks (fold_of) is cut at the threshold chosen on
    `older` (if any) and the other blocks; with the cut each block got."""
    probabilities, labels = newer
    block = fold_of(len(labels), folds)
    predicted = np.zeros(len(labels), dtype=bool)
    cuts = []
    for fold in range(folds):
        inside = block == fold
        cut = best_mean_cut([*([older] if older else []), (probabilities[~inside], labels[~inside])])
        predicted[inside] = probabilities[inside] >= cut
        cuts.append(cut)
    return {**positive_f1(predicted.astype(np.float32), labels, 0.5), "cuts": cuts}


def fit_line_threshold(folder: Path, ct24: Path, folds: int = 4) -> dict:
    """Choose `folder`'s line cut and write it into its config (checksums renewed), with the figures behind it in
    its evaluation.json under "line_threshold"; returns those figures. The model must have been selected on a
    held-out tenth of train (`train-claims --select-on-train`): that tenth is the older debates' side."""
    evaluation_path = folder / EVALUATION_FILE
    evaluation = json.loads(evaluation_path.read_text(encoding="utf-8"))
    if evaluation.get("selected_on") != "train_holdout":
        raise ValueError(f"{folder}: trained without a held-out tenth of train (train-claims --select-on-train)")
    model = CheckworthinessModel.from_disk(folder)

    def scored(sentences) -> tuple[np.ndarray, np.ndarray]:
        return model.probabilities([s.text for s in sentences]), np.array([s.check_worthy for s in sentences])

    older = scored([s for s in read_sentences(ct24 / SPLIT_FILES["train"]) if train_holdout(s.id)])
    newer = scored(sorted(read_sentences(ct24 / SPLIT_FILES["dev-test"]), key=lambda sentence: int(sentence.id)))
    dev = scored(read_sentences(ct24 / SPLIT_FILES["dev"]))
    cut = best_mean_cut([older, newer])
    threshold = model.config.threshold
    figures = {
        "cut": cut, "chosen_on": "mean F1 of train_holdout and dev-test", "folds": folds,
        "dev-test nested": nested_f1(older, newer, folds),
        **{f"{name} at {label}": {**positive_f1(*pair, at), "sentences": len(pair[1])}
           for name, pair in (("train_holdout", older), ("dev", dev), ("dev-test", newer))
           for label, at in (("threshold", threshold), ("cut", cut))},
    }
    replace(model.config, line_threshold=cut).to_file(folder / CONFIG_FILE)
    write_checksums(folder, [MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE])
    evaluation["line_threshold"] = figures
    write_text_atomically(evaluation_path, json.dumps(evaluation, indent=2) + "\n")
    return figures
