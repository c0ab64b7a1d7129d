"""Do the shipped decoding knobs, chosen on PTC dev, hold on train articles no model trained on? And would
knobs chosen on folds of those articles do better?

    python tools/decoding_folds.py accurate [--vary threshold join_gap min_chars] [--folds 4] [--resamples 1000]

On the 32 held-out train articles (`holdout.txt`) the model's encoder states are computed once; then each
decoding of a grid (span threshold x join gap x shortest span; `--vary` names the knobs that move, the
others stay as shipped), and for a model with span-text priors each
prior strength, is scored. Cross-validation over article folds: each fold's knobs are the best on the other
folds (SI F1 for the decoding, TC F1 for the prior strength), and the fold is predicted with them; the pooled
predictions are compared with the shipped knobs' predictions by a paired bootstrap over articles. A chosen
knob whose interval holds 0 does no measurably better than the shipped one. Nothing is written.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np

from compare_detectors import PTC, f1
from propaganda_lens.detect.detector import Detector
from propaganda_lens.scoring import paired_bootstrap, score_si, score_tc
from propaganda_lens.train.evaluation import encode_split
from propaganda_lens.train.examples import load_split, split_off

GRID = {"threshold": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6), "join_gap": (0, 50, 100, 200),
        "min_chars": (1, 4, 8)}
PRIOR_STRENGTHS = (0.0, 0.5, 1.0, 2.0)


def cross_validated(outcomes: dict, score, gold: dict, folds: list[list[str]]) -> tuple[dict, list]:
    """Each fold predicted with the knob that is best on the other folds; returns the pooled predictions and
    each fold's chosen knob."""
    pooled, chosen = {}, []
    for fold in folds:
        others = [article for other in folds if other is not fold for article in other]
        best = max(outcomes, key=lambda knob: f1(score, gold, outcomes[knob], others))
        chosen.append(best)
        pooled.update({article: outcomes[best][article] for article in fold})
    return pooled, chosen


def bootstrap(score, gold: dict, shipped: dict, candidate: dict, articles: list[str], resamples: int) -> str:
    differences = paired_bootstrap(
        lambda sample: f1(score, gold, candidate, sample) - f1(score, gold, shipped, sample), articles, resamples)
    low, high = np.percentile(differences, [2.5, 97.5])
    return f"{np.mean(differences):+.4f} [{low:+.4f}, {high:+.4f}]"


def report(name: str, outcomes: dict, shipped_knob, score, gold: dict, articles: list[str], folds: list[list[str]],
           resamples: int) -> None:
    shipped = outcomes[shipped_knob]
    ranked = sorted(outcomes, key=lambda knob: -f1(score, gold, outcomes[knob], articles))
    print(f"{name}: shipped {shipped_knob} scores {f1(score, gold, shipped, articles):.4f} on the held-out articles")
    for knob in ranked[:5]:
        print(f"  {knob}: {f1(score, gold, outcomes[knob], articles):.4f}{'  (best on all of them: a training figure)' if knob == ranked[0] else ''}")
    pooled, chosen = cross_validated(outcomes, score, gold, folds)
    print(f"  chosen on the other folds: {', '.join(map(str, chosen))}")
    print(f"  cross-validated {f1(score, gold, pooled, articles):.4f}; minus shipped "
          f"{bootstrap(score, gold, shipped, pooled, articles, resamples)} (paired bootstrap, 95% interval)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--vary", nargs="+", choices=list(GRID), default=list(GRID))
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--resamples", type=int, default=1000)
    options = parser.parse_args()
    held_out = split_off(load_split(options.ptc, "train"), 0.1)[1]
    articles = sorted(held_out.si)
    folds = [articles[start :: options.folds] for start in range(options.folds)]
    detector = Detector.from_disk(options.model)
    states = encode_split(detector, held_out)
    shipped = detector.config.decoding

    knobs = list(GRID)
    values = [GRID[knob] if knob in options.vary else (getattr(shipped, knob),) for knob in knobs]
    decodings = {}
    for point in itertools.product(*values):
        decoding = replace(shipped, **dict(zip(knobs, point)))
        decodings[point] = {article: detector.spans_from(state, decoding) for article, state in states.items()}
    shipped_knob = tuple(getattr(shipped, knob) for knob in knobs)
    if shipped_knob not in decodings:
        decodings[shipped_knob] = {article: detector.spans_from(state, shipped) for article, state in states.items()}
    print(f"{detector.config.name}: {len(articles)} held-out train articles, {options.folds} folds")
    report("decoding (threshold, join gap, shortest span)", decodings, shipped_knob, score_si, held_out.si,
           articles, folds, options.resamples)

    if detector.span_priors is not None:
        strengths, shipped_strength = {}, detector.config.span_prior_strength
        for strength in sorted({*PRIOR_STRENGTHS, detector.config.span_prior_strength}):
            detector.config = replace(detector.config, span_prior_strength=strength)
            strengths[strength] = {article: detector.label_spans(state, held_out.techniques[article])
                                   for article, state in states.items()}
        report("span-text prior strength", strengths, shipped_strength, score_tc,
               held_out.techniques, articles, folds, options.resamples)
        gold, on, off = held_out.techniques, strengths[shipped_strength], strengths[0.0]
        per_fold = [f1(score_tc, gold, on, fold) - f1(score_tc, gold, off, fold) for fold in folds]
        print(f"  the shipped priors minus none: {bootstrap(score_tc, gold, off, on, articles, options.resamples)}; "
              f"per fold {', '.join(f'{difference:+.4f}' for difference in per_fold)}")


if __name__ == "__main__":
    main()
