"""Scores a detector on a labelled PTC split: SI over a decoding grid, TC on gold spans, FLC."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from propaganda_lens.data import Span
from propaganda_lens.detect.detector import Detector
from propaganda_lens.detect.encoding import Decoding, decode_spans
from propaganda_lens.scoring import Score, score_flc, score_si, score_tc, span_precision
from propaganda_lens.train.examples import Split

DECODING_GRID = tuple(
    Decoding(threshold, join_gap, min_chars)
    for threshold, join_gap, min_chars in itertools.product(
        (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5), (0, 10, 25, 50, 100, 1000), (1, 4, 8)
    )
)


def every_line_as_a_span(text: str) -> list[Span]:
    """The trivial SI baseline: each non-empty line (a sentence, in PTC articles) as one span."""
    spans, offset = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped)
            spans.append(Span(start, start + len(stripped)))
        offset += len(line) + 1
    return spans


def sentence_baseline(split: Split) -> Score:
    """SI score of marking every sentence of every article as a span."""
    return score_si(split.si, {a: every_line_as_a_span(article.text) for a, article in split.articles.items()})


@dataclass
class SplitScores:
    si_by_decoding: dict[Decoding, Score]
    best_decoding: Decoding
    si: Score
    tc: Score
    flc: Score
    span_precision: dict[str, float]

    def summary(self) -> dict[str, float]:
        return {
            **asdict(self.best_decoding),
            "si_p": self.si.precision,
            "si_r": self.si.recall,
            "si_f1": self.si.f1,
            "tc_f1": self.tc.f1,
            "flc_f1": self.flc.f1,
        }


def evaluate_split(
    detector: Detector,
    split: Split,
    grid: Iterable[Decoding] = DECODING_GRID,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> SplitScores:
    """Run the encoder once per article; pick the decoding with the best SI F1; score TC and FLC."""
    grid = tuple(grid)
    located: dict[Decoding, dict[str, list[Span]]] = {decoding: {} for decoding in grid}
    classified: dict[str, list[Span]] = {}
    states = {}
    for article_id in progress(sorted(split.articles)):
        state = states[article_id] = detector.run(split.articles[article_id].text)
        for decoding in grid:
            found = decode_spans(state.text, state.encoded, state.tag_probabilities, decoding)
            located[decoding][article_id] = [Span(start, end) for start, end, _ in found]
        classified[article_id] = detector.label_spans(state, split.techniques[article_id])
    si_by_decoding = {decoding: score_si(split.si, located[decoding]) for decoding in grid}
    best = max(grid, key=lambda decoding: si_by_decoding[decoding].f1)
    flc_predictions = {article_id: detector.spans_from(state, best) for article_id, state in states.items()}
    return SplitScores(
        si_by_decoding=si_by_decoding,
        best_decoding=best,
        si=si_by_decoding[best],
        tc=score_tc(split.techniques, classified),
        flc=score_flc(split.techniques, flc_predictions),
        span_precision=span_precision(split.techniques, flc_predictions),
    )
