"""The SemEval-2020 Task 11 measures: SI and FLC span overlap scores, TC micro-F1.

SI (Da San Martino et al. 2019): with S the predicted and T the gold spans of each article, taken as sets of
character offsets,  P = Σ_{s,t} |s∩t|/|s| / |S|  and  R = Σ_{s,t} |s∩t|/|t| / |T|,  summed over all
articles; F1 is their harmonic mean. Overlapping spans are merged first and techniques ignored.
FLC uses the same formula but only pairs with the same technique count. TC is the micro-F1 of technique
labels on given spans; a span listed with k techniques matches any k predictions in any order.
`paired_bootstrap` gives the spread of a difference between two systems over resamples of the articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from propaganda_lens.data import TECHNIQUES, Span

Labels = Mapping[str, Iterable[Span]]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    per_technique: dict[str, "Score"] = field(default_factory=dict)


def paired_bootstrap(difference, articles: list[str], resamples: int) -> "numpy.ndarray":
    """`difference(sample)` over `resamples` resamples of the articles with replacement (seed 0)."""
    import numpy

    rng = numpy.random.default_rng(0)
    return numpy.array([difference(list(rng.choice(articles, len(articles)))) for _ in range(resamples)])


def harmonic_mean(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def merge_overlapping(spans: Iterable[Span]) -> list[tuple[int, int]]:
    """Sorted character intervals with overlapping ones joined (touching ones stay apart)."""
    merged: list[list[int]] = []
    for start, end in sorted((span.start, span.end) for span in spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _overlap_sums(
    predicted: list[tuple[int, int]], gold: list[tuple[int, int]]
) -> tuple[float, float]:
    """Σ |s∩t|/|s| and Σ |s∩t|/|t| over all pairs of one article."""
    by_predicted = by_gold = 0.0
    for p_start, p_end in predicted:
        for g_start, g_end in gold:
            common = min(p_end, g_end) - max(p_start, g_start)
            if common > 0:
                by_predicted += common / (p_end - p_start)
                by_gold += common / (g_end - g_start)
    return by_predicted, by_gold


def _span_score(pairs: Iterable[tuple[list[tuple[int, int]], list[tuple[int, int]]]]) -> Score:
    precision_sum = recall_sum = 0.0
    predicted_count = gold_count = 0
    for predicted, gold in pairs:
        by_predicted, by_gold = _overlap_sums(predicted, gold)
        precision_sum += by_predicted
        recall_sum += by_gold
        predicted_count += len(predicted)
        gold_count += len(gold)
    precision = precision_sum / predicted_count if predicted_count else 0.0
    recall = recall_sum / gold_count if gold_count else 0.0
    return Score(precision, recall, harmonic_mean(precision, recall))


def score_si(gold: Labels, predicted: Labels) -> Score:
    """Span identification: techniques ignored, overlapping spans merged on both sides."""
    articles = sorted(set(gold) | set(predicted))  # a fixed order keeps the float sums reproducible
    return _span_score(
        (merge_overlapping(predicted.get(a, ())), merge_overlapping(gold.get(a, ()))) for a in articles
    )


def score_flc(gold: Labels, predicted: Labels) -> Score:
    """Span + technique: the SI formula over pairs that share a technique, overall and per technique."""
    gold_lists = {a: list(spans) for a, spans in gold.items()}
    predicted_lists = {a: list(spans) for a, spans in predicted.items()}
    articles = sorted(set(gold_lists) | set(predicted_lists))

    def intervals(spans: list[Span], technique: str) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in spans if s.technique == technique]

    per_technique = {}
    for technique in TECHNIQUES:
        per_technique[technique] = _span_score(
            (intervals(predicted_lists.get(a, []), technique), intervals(gold_lists.get(a, []), technique))
            for a in articles
        )
    overall = _span_score(
        (
            [(s.start, s.end) for s in predicted_lists.get(a, []) if s.technique == technique],
            [(s.start, s.end) for s in gold_lists.get(a, []) if s.technique == technique],
        )
        for a in articles
        for technique in TECHNIQUES
    )
    return Score(overall.precision, overall.recall, overall.f1, per_technique)


def score_tc(gold: Labels, predicted: Labels) -> Score:
    """Technique classification on given spans: micro-F1, and P/R/F1 per technique."""
    gold_by_span: dict[tuple[str, int, int], Counter[str]] = {}
    predicted_by_span: dict[tuple[str, int, int], Counter[str]] = {}
    for labels, target in ((gold, gold_by_span), (predicted, predicted_by_span)):
        for article_id, spans in labels.items():
            for span in spans:
                key = (article_id, span.start, span.end)
                target.setdefault(key, Counter())[span.technique or ""] += 1

    correct: Counter[str] = Counter()
    gold_totals: Counter[str] = Counter()
    predicted_totals: Counter[str] = Counter()
    for key in set(gold_by_span) | set(predicted_by_span):
        gold_here = gold_by_span.get(key, Counter())
        predicted_here = predicted_by_span.get(key, Counter())
        correct.update(gold_here & predicted_here)
        gold_totals.update(gold_here)
        predicted_totals.update(predicted_here)

    def score(hits: int, n_predicted: int, n_gold: int) -> Score:
        precision = hits / n_predicted if n_predicted else 0.0
        recall = hits / n_gold if n_gold else 0.0
        return Score(precision, recall, harmonic_mean(precision, recall))

    per_technique = {
        t: score(correct[t], predicted_totals[t], gold_totals[t]) for t in TECHNIQUES
    }
    overall = score(sum(correct.values()), sum(predicted_totals.values()), sum(gold_totals.values()))
    return Score(overall.precision, overall.recall, overall.f1, per_technique)


def matches_gold(span: Span, gold_spans: Iterable[Span]) -> bool:
    """Whether a predicted span overlaps a gold span of the same technique."""
    return any(
        other.technique == span.technique and other.start < span.end and span.start < other.end for other in gold_spans
    )


def span_precision(gold: Labels, predicted: Labels) -> dict[str, float]:
    """Per technique, the share of predicted spans that overlap a gold span of the same technique in the
    same article: how often a reader who checks a flagged passage finds that annotators marked it too."""
    hits: Counter = Counter()
    counts: Counter = Counter()
    for article_id, spans in predicted.items():
        gold_spans = list(gold.get(article_id, ()))
        for span in spans:
            counts[span.technique] += 1
            hits[span.technique] += matches_gold(span, gold_spans)
    return {technique: hits[technique] / counts[technique] for technique in TECHNIQUES if counts[technique]}


def reliability_bins(
    probabilities: Iterable[float], outcomes: Iterable[bool], bins: int = 10
) -> list[tuple[float, float, int, float, float]]:
    """Per non-empty equal-width probability bin: (low, high, items, mean confidence, accuracy)."""
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for probability, outcome in zip(probabilities, outcomes):
        members[min(int(probability * bins), bins - 1)].append((probability, outcome))
    return [
        (index / bins, (index + 1) / bins, len(group), sum(p for p, _ in group) / len(group),
         sum(o for _, o in group) / len(group))
        for index, group in enumerate(members) if group
    ]


def expected_calibration_error(probabilities: Iterable[float], outcomes: Iterable[bool], bins: int = 10) -> float:
    """ECE over `bins` equal-width probability bins: the mean gap between confidence and accuracy, each bin
    weighted by its share of the items."""
    table = reliability_bins(probabilities, outcomes, bins)
    total = sum(count for _, _, count, _, _ in table)
    return sum(count * abs(confidence - accuracy) for _, _, count, confidence, accuracy in table) / total if total else 0.0
