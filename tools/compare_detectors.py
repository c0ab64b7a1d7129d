"""Is detector B better than detector A on the 32 PTC train articles that no shipped model trained on?

    python tools/compare_detectors.py fast /work/runs/fast-dev-export [--resamples 1000]
    python tools/compare_detectors.py accurate accurate --baseline-batch 16 --candidate-batch 1
    python tools/compare_detectors.py accurate CANDIDATE --articles dev|both    # PTC dev (75 articles), or
                                                                                # dev and the held-out ones

Prints each model's SI F1 (at its own decoding) and TC F1 on the held-out articles (`holdout.txt`), then a
paired bootstrap over articles: the mean difference B - A, its 95% interval and the share of resamples where
B is ahead. Nothing is fitted here; a model whose interval holds 0 has not measurably improved. `--articles dev`
scores PTC dev instead: a second check for a knob that was not chosen there, but a tuning set for the shipped
models' epochs and decodings, and training data for a run trained `--with-dev`; `--articles both` pools the two
sets (107 articles) for a knob that neither chose.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from propaganda_lens.detect.detector import Detector
from propaganda_lens.scoring import paired_bootstrap, score_si, score_tc
from propaganda_lens.train.evaluation import encode_split
from propaganda_lens.train.examples import Split, joined, load_split, split_off

PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptc-semeval2020"
ARTICLE_SETS = ("held-out", "dev", "both")


def articles_of(name: str, ptc: Path) -> Split:
    """The labelled articles a comparison runs on (see the module's docstring)."""
    if name == "dev":
        return load_split(ptc, "dev")
    held_out = split_off(load_split(ptc, "train"), 0.1)[1]
    return joined(held_out, load_split(ptc, "dev")) if name == "both" else held_out


def predictions(model: str, split: Split, batch_size: int | None) -> tuple[dict, dict]:
    """Spans found at the model's decoding, and the techniques it gives the gold spans, per article."""
    detector = Detector.from_disk(model)
    if batch_size:
        detector.config.batch_size = batch_size
    states = encode_split(detector, split)
    found = {article: detector.spans_from(state, detector.config.decoding) for article, state in states.items()}
    labelled = {article: detector.label_spans(state, split.techniques[article]) for article, state in states.items()}
    return found, labelled


def f1(score, gold: dict, predicted: dict, sample: list[str]) -> float:
    """`score`'s F1 over `sample`, an article list that may repeat articles (each copy counts)."""
    def keyed(labels: dict) -> dict:
        return {f"{article}#{copy}": labels[article] for copy, article in enumerate(sample)}
    return score(keyed(gold), keyed(predicted)).f1


def scores(split: Split, found: dict, labelled: dict, sample: list[str]) -> tuple[float, float]:
    """SI F1 and TC F1 over `sample`, an article list that may repeat articles (each copy counts)."""
    return f1(score_si, split.si, found, sample), f1(score_tc, split.techniques, labelled, sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--baseline-batch", type=int, help="the baseline's encoder window batch (default: its own)")
    parser.add_argument("--candidate-batch", type=int, help="the candidate's encoder window batch (default: its own)")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--articles", choices=ARTICLE_SETS, default="held-out", help="the articles to score")
    options = parser.parse_args()
    held_out = articles_of(options.articles, options.ptc)
    articles = sorted(held_out.si)
    runs = {"baseline": predictions(options.baseline, held_out, options.baseline_batch),
            "candidate": predictions(options.candidate, held_out, options.candidate_batch)}
    for side, model in (("baseline", options.baseline), ("candidate", options.candidate)):
        si, tc = scores(held_out, *runs[side], articles)
        print(f"{side} {model}: {len(articles)} {options.articles} articles, SI F1 {si:.4f}, TC F1 {tc:.4f}")
    differences = paired_bootstrap(lambda sample: np.subtract(scores(held_out, *runs["candidate"], sample),
                                                              scores(held_out, *runs["baseline"], sample)),
                                   articles, options.resamples)
    print_differences(differences, "candidate", "baseline")


def print_differences(differences: np.ndarray, ahead: str, behind: str) -> None:
    """One line per measure (SI F1, TC F1) of bootstrapped differences `ahead` - `behind`: mean, 95% interval and
    the share of resamples where `ahead` leads."""
    for column, name in enumerate(("SI F1", "TC F1")):
        low, high = np.percentile(differences[:, column], [2.5, 97.5])
        print(f"{name}: {ahead} - {behind} {differences[:, column].mean():+.4f}, 95% interval [{low:+.4f}, {high:+.4f}], "
              f"{ahead} ahead in {np.mean(differences[:, column] > 0):.0%} of {len(differences)} resamples")


if __name__ == "__main__":
    main()
