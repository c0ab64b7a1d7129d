"""Compare two check-worthiness models, each at its own threshold, on every set the project may score them on:
CT24 dev and dev-test (the model alone, as the `claims` command scores lines: at each model's cut for lines) and
both halves of the news set (the claims stage: sentence roles + model, at each model's threshold), with a paired
bootstrap of the F1 difference (candidate − baseline).

    python tools/compare_claims_models.py CANDIDATE_FOLDER [--baseline FOLDER] [--resamples 1000] [--lines-at-threshold]

`--lines-at-threshold` scores CT24 lines at each model's article threshold too, as before models had a cut for
lines.

CT24 sentences are resampled one by one; news sentences by article (an article's sentences go together). The
"best cut" column is each model's F1 at the threshold (0.05 steps) that is best on that very set: an oracle, to
tell a better model from a better threshold, never a figure to report as quality.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from propaganda_lens.claims.checkworthiness import CheckworthinessModel
from propaganda_lens.claims.roles import statements_only
from propaganda_lens.scoring import paired_bootstrap
from propaganda_lens.train.checkworthiness import SPLIT_FILES, best_threshold, positive_f1, read_sentences
from score_claims_news import ANNOTATIONS, CT24, HALVES, PTC, news_scores


def scored_sets(model: CheckworthinessModel, ct24: Path, ptc: Path, rows: list[dict]) -> dict[str, dict]:
    """Per set: the model's probabilities, the labels and the resampling unit of each sentence."""
    sets = {}
    for split in ("dev", "dev-test"):
        sentences = read_sentences(ct24 / SPLIT_FILES[split])
        sets[f"CT24 {split}"] = {"p": model.probabilities([s.text for s in sentences]),
                                 "y": np.array([s.check_worthy for s in sentences]),
                                 "unit": np.array([s.id for s in sentences])}
    halves = news_scores([dict(row) for row in rows], ptc, model)
    for half in HALVES:
        part = halves[half]
        sets[f"news {half} half"] = {
            "p": statements_only([row["model"] for row in part], [row["role"] for row in part]),
            "y": np.array([row["label"] == "Yes" for row in part]),
            "unit": np.array([str(row["article"]) for row in part]),
        }
    return sets


def cut_for(model: CheckworthinessModel, set_name: str, lines_at_threshold: bool = False) -> float:
    """The model's own cut for a set: CT24 lines are scored alone, as the `claims` command scores them."""
    return model.config.line_cut if set_name.startswith("CT24") and not lines_at_threshold else model.config.threshold


def positions_of(units: np.ndarray) -> dict[str, list[int]]:
    """Each resampling unit's sentence positions."""
    positions = {}
    for position, unit in enumerate(units):
        positions.setdefault(unit, []).append(position)
    return positions


def f1_over(probabilities: np.ndarray, labels: np.ndarray, positions: dict[str, list[int]], sample: list[str],
            threshold: float) -> float:
    """Positive-class F1 over the sentences of `sample`'s units, a unit counted once per copy."""
    chosen = np.concatenate([positions[unit] for unit in sample])
    return positive_f1(np.asarray(probabilities)[chosen], labels[chosen], threshold)["f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--baseline", type=Path, help="default: the shipped model")
    parser.add_argument("--ct24", type=Path, default=CT24)
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--lines-at-threshold", action="store_true", help="CT24 lines at the article threshold too")
    options = parser.parse_args()
    rows = [json.loads(line) for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    models = {"baseline": CheckworthinessModel.from_disk(options.baseline),
              "candidate": CheckworthinessModel.from_disk(options.candidate)}
    results = {side: scored_sets(model, options.ct24, options.ptc, rows) for side, model in models.items()}
    for side, model in models.items():
        lines_cut = cut_for(model, "CT24", options.lines_at_threshold)
        print(f"{side}: {model.config.name}, threshold {model.config.threshold} (articles), {lines_cut} (CT24 lines)")
    print("\n| set | sentences | baseline P / R / F1 | candidate P / R / F1 | F1 difference [95% CI] | best cut: baseline, candidate |")
    print("|---|---|---|---|---|---|")
    for name in results["baseline"]:
        cells, f1_of = [], {}
        for side, model in models.items():
            scored = results[side][name]
            measure = positive_f1(np.asarray(scored["p"]), scored["y"], cut_for(model, name, options.lines_at_threshold))
            cells.append(f"{measure['precision']:.3f} / {measure['recall']:.3f} / **{measure['f1']:.3f}**")
            f1_of[side] = measure["f1"]
        units = results["baseline"][name]["unit"]
        positions = positions_of(units)

        def difference(sample: list[str], name: str = name, positions: dict = positions) -> float:
            return float(np.subtract(*[
                f1_over(results[side][name]["p"], results[side][name]["y"], positions, sample,
                        cut_for(models[side], name, options.lines_at_threshold))
                for side in ("candidate", "baseline")]))

        low, high = np.percentile(paired_bootstrap(difference, sorted(positions), options.resamples), [2.5, 97.5])
        oracle = [positive_f1(np.asarray(results[side][name]["p"]), results[side][name]["y"],
                              best_threshold(np.asarray(results[side][name]["p"]), results[side][name]["y"]))["f1"]
                  for side in models]
        print(f"| {name} | {len(units)} | {cells[0]} | {cells[1]} | {f1_of['candidate'] - f1_of['baseline']:+.3f} "
              f"[{low:+.3f}, {high:+.3f}] | {oracle[0]:.3f}, {oracle[1]:.3f} |")


if __name__ == "__main__":
    main()
