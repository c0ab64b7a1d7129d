"""Sentence scores and the article summary, computed from the spans."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter

import numpy as np

from propaganda_lens.data import Sentence, Span, Summary

DENSEST_SENTENCES = 3


def character_weights(length: int, spans: list[Span]) -> np.ndarray:
    """Per character of the text: the highest probability of the spans covering it (1 if unknown)."""
    weights = np.zeros(length, dtype=np.float32)
    for span in spans:
        probability = 1.0 if span.probability is None else span.probability
        np.maximum(weights[span.start : span.end], probability, out=weights[span.start : span.end])
    return weights


def spans_per_sentence(ranges: list[tuple[int, int]], spans: list[Span]) -> list[list[Span]]:
    """For each sentence range (in order, not overlapping), the spans that overlap it; a span over several
    sentences is in each."""
    starts = [start for start, _ in ranges]
    found: list[list[Span]] = [[] for _ in ranges]
    for span in spans:
        for index in range(max(bisect_right(starts, span.start) - 1, 0), len(ranges)):
            start, end = ranges[index]
            if start >= span.end:
                break
            if span.start < end:
                found[index].append(span)
    return found


def score_sentences(ranges: list[tuple[int, int]], spans: list[Span], weights: np.ndarray) -> list[Sentence]:
    """Each sentence with its probability-weighted covered share and the number of spans touching it."""
    sentences = []
    for (start, end), touching in zip(ranges, spans_per_sentence(ranges, spans)):
        score = float(weights[start:end].mean())  # sentence ranges are never empty
        sentences.append(Sentence(start=start, end=end, score=round(score, 4), span_count=len(touching)))
    return sentences


def technique_counts(spans: list[Span]) -> dict[str, int]:
    """Spans per technique, most frequent first (ties in order of appearance)."""
    return dict(Counter(span.technique for span in spans if span.technique is not None).most_common())


def summarize(text: str, spans: list[Span], sentences: list[Sentence], weights: np.ndarray) -> Summary:
    covered = float((weights > 0).sum()) / len(text) if text else 0.0
    scored = [sentence for sentence in sentences if sentence.score > 0]
    densest = heapq.nlargest(DENSEST_SENTENCES, scored, key=lambda sentence: (sentence.score, -sentence.start))
    return Summary(
        technique_counts=technique_counts(spans),
        covered_share=round(covered, 4),
        densest_sentences=densest,
    )
