"""Would an ensemble of the shipped detectors beat `accurate` alone? (issue 22, item 2)

    python benchmarks/ensemble_probe.py [--split holdout|dev] [--ptc ../shared/data/ptc-semeval2020]

For each article, `accurate` and `fast` run on the same text; `fast`'s per-token BIO probabilities are carried
onto `accurate`'s tokens by characters (the `fast` token covering each `accurate` token's first character; a
begin tag only where both tokens start on the same character), mixed with weight w, and decoded with
`accurate`'s decoding at each threshold. Techniques: both models' distributions on the gold spans, mixed with
weight w. Prints SI F1 per (w, threshold) and technique accuracy per w. `holdout` is the 32 train articles
neither model was trained on (their holdout.txt); `dev` is PTC dev, on which both models' epochs and decodings
were chosen.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from propaganda_lens.data import Span
from propaganda_lens.detect.detector import Detector
from propaganda_lens.detect.encoding import BEGIN, INSIDE, decode_spans
from propaganda_lens.scoring import score_si
from propaganda_lens.train.examples import load_split, split_off

WEIGHTS = (0.0, 0.25, 0.5, 0.75)
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4)
PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptc-semeval2020"


def carried_over(main_offsets: np.ndarray, other_offsets: np.ndarray, other_probabilities: np.ndarray) -> np.ndarray:
    """`other`'s token probabilities on `main`'s tokens, by the character each main token starts on."""
    if len(other_offsets) == 0:
        return np.tile([1.0, 0.0, 0.0], (len(main_offsets), 1)).astype(np.float32)
    starts = main_offsets[:, 0]
    covering = np.clip(np.searchsorted(other_offsets[:, 1], starts, side="right"), 0, len(other_offsets) - 1)
    carried = other_probabilities[covering].copy()
    inside_a_token = other_offsets[covering, 0] != starts
    carried[inside_a_token, INSIDE] += carried[inside_a_token, BEGIN]
    carried[inside_a_token, BEGIN] = 0.0
    return carried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("holdout", "dev"), default="holdout")
    parser.add_argument("--ptc", type=Path, default=PTC)
    arguments = parser.parse_args()
    split = load_split(arguments.ptc, "dev") if arguments.split == "dev" else split_off(load_split(arguments.ptc, "train"), 0.1)[1]
    accurate, fast = Detector.from_disk("accurate"), Detector.from_disk("fast")
    runs = []
    for article_id, article in split.articles.items():
        main_state, other_state = accurate.run(article.text), fast.run(article.text)
        carried = carried_over(main_state.encoded.offsets, other_state.encoded.offsets, other_state.tag_probabilities)
        gold = sorted({(span.start, span.end) for span in split.techniques[article_id]})
        techniques = (accurate.technique_probabilities(main_state, gold), fast.technique_probabilities(other_state, gold))
        runs.append((article_id, article.text, main_state, carried, gold, techniques))
    print(f"{len(runs)} articles ({arguments.split})")
    for weight in WEIGHTS:
        scores = []
        for threshold in THRESHOLDS:
            decoding = replace(accurate.config.decoding, threshold=threshold)
            predicted = {
                article_id: [Span(start, end, "Doubt", p) for start, end, p in decode_spans(
                    text, state.encoded, (1 - weight) * state.tag_probabilities + weight * carried, decoding)]
                for article_id, text, state, carried, _, _ in runs
            }
            scores.append(f"{threshold}: {score_si(split.si, predicted).f1:.4f}")
        print(f"SI  w={weight:<5}", "  ".join(scores))
    for weight in (*WEIGHTS, 1.0):
        right = total = 0
        for article_id, _, _, _, gold, techniques in runs:
            if not gold:
                continue
            mixed = (1 - weight) * techniques[0] + weight * techniques[1]
            labels: dict[tuple[int, int], set[str]] = {}
            for span in split.techniques[article_id]:
                labels.setdefault((span.start, span.end), set()).add(span.technique)
            for row, key in zip(mixed, gold):
                total += 1
                right += accurate.config.techniques[int(row.argmax())] in labels[key]
        print(f"TC  w={weight:<5} accuracy {right / total:.4f} on {total} gold spans")


if __name__ == "__main__":
    main()
