"""Fit a check-worthiness head on a detector's pooled encoder states (tools/claim_head_features.py) and score it.

    python tools/fit_claim_head.py /work/runs/claim-feats/fast [--final] [--pooling full] [--l2 0.01 0.1]

Model selection uses CT24 train only: stratified 5-fold cross-validation (fixed seed) over the L2 strength of
a logistic regression on standardized features and over the pooling (mean of the sentence's tokens, or mean,
first and last token). Where train was encoded in context (`train.groups.npy` names pseudo-articles of more
than one line), the folds keep each pseudo-article whole, so that no line is scored by a head fitted on its
neighbours. Two threshold rules, both fitted on the out-of-fold probabilities:
- `f1`: the threshold (0.05 steps) with the best out-of-fold positive-class F1;
- `platt`: Platt scaling of the out-of-fold logits, then calibrated probability 0.5 (a rule that does not
  move with the share of check-worthy sentences of the data it was fitted on as a tuned cut does).
The cross-validation results are kept in the features folder (`cv.json`). Without `--final` only the
cross-validation table is printed. With `--final` the head chosen by `cv.json` (cross-validated first if it is
missing) is fitted on all of train and scored once on CT24 dev, dev-test and both news halves, with the head's
time per sentence.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from propaganda_lens.files import write_text_atomically
from propaganda_lens.train.checkworthiness import best_threshold, positive_f1

L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
FOLDS = 5
SEED = 23


def pooled(features: np.ndarray, pooling: str) -> np.ndarray:
    """`mean`: the first third of pool_span's vector (mean over tokens); `full`: all of it."""
    return features[:, : features.shape[1] // 3] if pooling == "mean" else features


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(weights, bias, mean, scale): L2-regularized logistic regression on standardized features (L-BFGS)."""
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    x = (features - mean) / scale
    y = labels.astype(np.float64)

    def loss(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = parameters[:-1], parameters[-1]
        logits = x @ weights + bias
        value = np.mean(np.logaddexp(0, logits) - y * logits) + 0.5 * l2 * weights @ weights
        residual = (1 / (1 + np.exp(-logits)) - y) / len(y)
        return value, np.r_[x.T @ residual + l2 * weights, residual.sum()]

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x[:-1], float(result.x[-1]), mean, scale


def logits_of(head: tuple, features: np.ndarray) -> np.ndarray:
    weights, bias, mean, scale = head
    return ((features - mean) / scale) @ weights + bias


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-values))


def folds_of(labels: np.ndarray) -> np.ndarray:
    """Stratified fold numbers 0..FOLDS-1, fixed by SEED."""
    rng = np.random.default_rng(SEED)
    folds = np.zeros(len(labels), dtype=int)
    for value in (False, True):
        members = rng.permutation(np.flatnonzero(labels == value))
        folds[members] = np.arange(len(members)) % FOLDS
    return folds


def group_folds_of(labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Fold numbers 0..FOLDS-1 that keep each group whole, fixed by SEED: the groups, in a random order sorted
    by size (largest first), each go to the fold that holds the smallest share of the positives plus share of
    the negatives so far, so that folds are alike in size and in positive share."""
    rng = np.random.default_rng(SEED)
    names, group_index = np.unique(groups, return_inverse=True)
    counts = np.stack([np.bincount(group_index, weights=(labels == value).astype(float), minlength=len(names))
                       for value in (True, False)], axis=1)
    totals = np.maximum(counts.sum(axis=0), 1)
    shuffled = rng.permutation(len(names))
    order = shuffled[np.argsort(-counts[shuffled].sum(axis=1), kind="stable")]
    fold_of_group = np.zeros(len(names), dtype=int)
    filled = np.zeros((FOLDS, 2))
    for group in order:
        fold = int(np.argmin((filled / totals).sum(axis=1)))
        fold_of_group[group] = fold
        filled[fold] += counts[group]
    return fold_of_group[group_index]


def folds_for(labels: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, str]:
    """Grouped folds where some group holds more than one sentence, else the stratified per-sentence folds;
    and which of the two, in words."""
    if groups is not None and len(np.unique(groups)) < len(groups):
        return group_folds_of(labels, groups), f"grouped by pseudo-article ({len(np.unique(groups))} of them)"
    return folds_of(labels), "stratified per sentence"


def out_of_fold_logits(features: np.ndarray, labels: np.ndarray, l2: float, folds: np.ndarray) -> np.ndarray:
    logits = np.zeros(len(labels))
    for fold in range(FOLDS):
        held = folds == fold
        logits[held] = logits_of(fit_logistic(features[~held], labels[~held], l2), features[held])
    return logits


def platt_fit(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(slope, intercept) of sigmoid(slope * logit + intercept), fitted by maximum likelihood."""
    head = fit_logistic(logits[:, None], labels, 0.0)
    weights, bias, mean, scale = head
    return float(weights[0] / scale[0]), float(bias - weights[0] * mean[0] / scale[0])


def cross_validate(folder: Path, poolings: list[str], grid: list[float]) -> list[dict]:
    features, labels = np.load(folder / "train.npy"), np.load(folder / "train.labels.npy")
    groups_file = folder / "train.groups.npy"
    folds, kind = folds_for(labels, np.load(groups_file) if groups_file.is_file() else None)
    print(f"folds: {kind}", flush=True)
    results = []
    for pooling in poolings:
        x = pooled(features, pooling)
        for l2 in grid:
            logits = out_of_fold_logits(x, labels, l2, folds)
            threshold = best_threshold(sigmoid(logits), labels)
            slope, intercept = platt_fit(logits, labels)
            calibrated = sigmoid(slope * logits + intercept)
            results.append({"pooling": pooling, "l2": l2, "threshold": threshold, "platt": (slope, intercept),
                            "f1": positive_f1(sigmoid(logits), labels, threshold)["f1"],
                            "platt_f1": positive_f1(calibrated, labels, 0.5)["f1"]})
            print(f"| {pooling} | {l2:g} | {threshold:.2f} | {results[-1]['f1']:.3f} | {results[-1]['platt_f1']:.3f} |",
                  flush=True)
    write_text_atomically(folder / "cv.json", json.dumps(results, indent=2) + "\n")
    return results


def row(name: str, part: str, result: dict, n: int) -> str:
    return f"| {name} | {part} | {n} | {result['precision']:.3f} | {result['recall']:.3f} | **{result['f1']:.3f}** |"


def final(folder: Path, chosen: dict) -> None:
    x = pooled(np.load(folder / "train.npy"), chosen["pooling"])
    head = fit_logistic(x, np.load(folder / "train.labels.npy"), chosen["l2"])
    slope, intercept = chosen["platt"]
    rules = {"f1": (lambda logits: sigmoid(logits), chosen["threshold"]),
             "platt": (lambda logits: sigmoid(slope * logits + intercept), 0.5)}
    parts = []
    for split in ("dev", "dev-test"):
        parts.append((f"CT24 {split}", pooled(np.load(folder / f"{split}.npy"), chosen["pooling"]),
                      np.load(folder / f"{split}.labels.npy")))
    news, halves = pooled(np.load(folder / "news.npy"), chosen["pooling"]), np.load(folder / "news.halves.npy")
    news_labels = np.load(folder / "news.labels.npy")
    for half in ("tuning", "locked"):
        parts.append((f"news, {half} half", news[halves == half], news_labels[halves == half]))
    print("\n| data | rule | sentences | precision | recall | F1 |\n|---|---|---|---|---|---|")
    for name, features, labels in parts:
        logits = logits_of(head, features)
        for rule, (probability, threshold) in rules.items():
            print(row(name, f"{rule} ({threshold:.2f})", positive_f1(probability(logits), labels, threshold), len(labels)))
    sample = np.repeat(parts[0][1], 10, axis=0)
    began = time.perf_counter()
    logits_of(head, sample)
    print(f"\nhead: {(time.perf_counter() - began) / len(sample) * 1e6:.2f} µs per sentence (numpy, {x.shape[1]} features)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features", type=Path, help="a folder written by tools/claim_head_features.py")
    parser.add_argument("--final", action="store_true", help="fit the chosen head on train, score dev, dev-test, news")
    parser.add_argument("--pooling", nargs="+", choices=["mean", "full"], default=["mean", "full"])
    parser.add_argument("--l2", nargs="+", type=float, default=list(L2_GRID))
    args = parser.parse_args()
    kept = args.features / "cv.json"
    if args.final and kept.is_file():
        results = json.loads(kept.read_text(encoding="utf-8"))
    else:
        print("| pooling | L2 | out-of-fold best threshold | CV F1 at it | CV F1, Platt 0.5 |\n|---|---|---|---|---|")
        results = cross_validate(args.features, args.pooling, args.l2)
    chosen = max(results, key=lambda result: result["f1"])
    print(f"\nchosen: pooling {chosen['pooling']}, L2 {chosen['l2']:g}, threshold {chosen['threshold']:.2f}, "
          f"Platt slope {chosen['platt'][0]:.3f} intercept {chosen['platt'][1]:.3f}")
    if args.final:
        final(args.features, chosen)


if __name__ == "__main__":
    main()
