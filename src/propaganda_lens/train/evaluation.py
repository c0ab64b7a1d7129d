"""Scores a detector on a labelled PTC split: SI over a threshold sweep, TC on gold spans, FLC."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from propaganda_lens.data import Span
from propaganda_lens.detect.detector import Detector
from propaganda_lens.scoring import Score, score_flc, score_si, score_tc
from propaganda_lens.train.examples import Split

THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


@dataclass
class SplitScores:
    si_by_threshold: dict[float, Score]
    best_threshold: float
    si: Score
    tc: Score
    flc: Score

    def summary(self) -> dict[str, float]:
        return {
            "threshold": self.best_threshold,
            "si_p": self.si.precision,
            "si_r": self.si.recall,
            "si_f1": self.si.f1,
            "tc_f1": self.tc.f1,
            "flc_f1": self.flc.f1,
        }


def evaluate_split(
    detector: Detector,
    split: Split,
    thresholds: Iterable[float] = THRESHOLDS,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> SplitScores:
    """Run the encoder once per article, then decode at each threshold and classify the gold spans."""
    thresholds = tuple(thresholds)
    predicted: dict[float, dict[str, list[Span]]] = {t: {} for t in thresholds}
    classified: dict[str, list[Span]] = {}
    for article_id in progress(sorted(split.articles)):
        state = detector.run(split.articles[article_id].text)
        for threshold in thresholds:
            predicted[threshold][article_id] = detector.spans_from(state, threshold)
        classified[article_id] = detector.label_spans(state, split.techniques[article_id])
    si_by_threshold = {t: score_si(split.si, predicted[t]) for t in thresholds}
    best = max(thresholds, key=lambda t: si_by_threshold[t].f1)
    return SplitScores(
        si_by_threshold=si_by_threshold,
        best_threshold=best,
        si=si_by_threshold[best],
        tc=score_tc(split.techniques, classified),
        flc=score_flc(split.techniques, predicted[best]),
    )
