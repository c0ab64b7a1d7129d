"""Sentence scores and the article summary, computed from the spans."""

from __future__ import annotations

import heapq
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


def score_sentences(ranges: list[tuple[int, int]], spans: list[Span], weights: np.ndarray) -> list[Sentence]:
    """Each sentence with its probability-weighted covered share and the number of spans touching it."""
    sentences = []
    for start, end in ranges:
        count = sum(1 for span in spans if span.start < end and start < span.end)
        score = float(weights[start:end].mean())  # sentence ranges are never empty
        sentences.append(Sentence(start=start, end=end, score=round(score, 4), span_count=count))
    return sentences


def summarize(text: str, spans: list[Span], sentences: list[Sentence], weights: np.ndarray) -> Summary:
    counts = Counter(span.technique for span in spans if span.technique is not None)
    covered = float((weights > 0).sum()) / len(text) if text else 0.0
    scored = [sentence for sentence in sentences if sentence.score > 0]
    densest = heapq.nlargest(DENSEST_SENTENCES, scored, key=lambda sentence: (sentence.score, -sentence.start))
    return Summary(
        technique_counts=dict(counts.most_common()),
        covered_share=round(covered, 4),
        densest_sentences=densest,
    )
