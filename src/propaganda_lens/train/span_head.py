"""Refits a model's technique span head on its own shipped (int8) encoder's hidden states.

The span head is trained jointly with the encoder on fp32 hidden states; quantizing the encoder to int8
then shifts those states and costs TC points. Refitting a fresh head on the int8 encoder's states of the
gold technique spans of train (less the articles held out for calibration) gives the head the very inputs
it meets at inference. Label smoothing keeps it from the overconfidence that in-sample states invite.
The same gold spans give the table of span-text priors (detect.priors) that the refitted model consults.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from propaganda_lens.detect.detector import Detector
from propaganda_lens.detect.encoding import span_features
from propaganda_lens.detect.priors import SpanPriors
from propaganda_lens.train.examples import Split
from propaganda_lens.train.network import SpanHead

log = logging.getLogger("propaganda_lens.train")
BATCH = 64


@dataclass
class PooledSpans:
    """The span head's inputs for every distinct gold technique range of a split, with its gold labels
    (counts per technique: a range may carry several) and its text."""

    vectors: np.ndarray
    features: np.ndarray
    labels: np.ndarray
    texts: list[str] = field(default_factory=list)


def pool_gold_spans(
    detector: Detector, split: Split, progress: Callable[[Iterable], Iterable] = lambda items: items
) -> PooledSpans:
    """Run the detector's encoder over each article and pool its gold technique ranges as inference does."""
    techniques = detector.config.techniques
    vectors, features, labels, texts = [], [], [], []
    for article_id in progress(sorted(split.articles)):
        gold = split.techniques[article_id]
        if not gold:
            continue
        text = split.articles[article_id].text
        state = detector.run(text)
        counts: dict[tuple[int, int], np.ndarray] = {}
        for span in gold:
            counts.setdefault((span.start, span.end), np.zeros(len(techniques), dtype=np.float32))[
                techniques.index(span.technique)] += 1
        ranges = sorted(counts)
        vectors.append(detector.span_vectors(state, ranges))
        features.extend(span_features(text, ranges))
        labels.extend(counts[key] for key in ranges)
        texts.extend(text[start:end] for start, end in ranges)
    return PooledSpans(np.concatenate(vectors), np.asarray(features, np.float32), np.asarray(labels), texts)


def fit_span_head(pooled: PooledSpans, epochs: int, learning_rate: float, label_smoothing: float, seed: int) -> SpanHead:
    """A fresh span head trained with AdamW (linear decay) on soft-max cross-entropy against each range's
    label distribution, smoothed towards uniform by `label_smoothing`."""
    torch.manual_seed(seed)
    n_techniques = pooled.labels.shape[1]
    head = SpanHead(pooled.vectors.shape[1] // 3, n_techniques)
    vectors, features = torch.from_numpy(pooled.vectors), torch.from_numpy(pooled.features)
    targets = torch.from_numpy(pooled.labels / pooled.labels.sum(axis=1, keepdims=True)).float()
    targets = targets * (1 - label_smoothing) + label_smoothing / n_techniques
    optimizer = torch.optim.AdamW(head.parameters(), lr=learning_rate, weight_decay=0.01)
    steps = epochs * -(-len(vectors) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / steps))
    head.train()
    for epoch in range(epochs):
        order = torch.randperm(len(vectors))
        total = 0.0
        for start in range(0, len(vectors), BATCH):
            rows = order[start : start + BATCH]
            log_probabilities = torch.log_softmax(head(vectors[rows], features[rows]), dim=-1)
            loss = -(targets[rows] * log_probabilities).sum(dim=-1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss) * len(rows)
        log.info("span head epoch %d: loss %.4f", epoch + 1, total / len(vectors))
    return head.eval()


def accuracy(head: SpanHead, pooled: PooledSpans) -> float:
    """TC micro-F1 of the head on pooled gold ranges: a range listed k times gets its k most likely techniques."""
    with torch.inference_mode():
        order = np.argsort(-head(torch.from_numpy(pooled.vectors), torch.from_numpy(pooled.features)).numpy(), axis=1)
    right = sum(min(1.0, counts[t]) for row, counts in zip(order, pooled.labels) for t in row[: int(counts.sum())])
    return float(right / pooled.labels.sum())


def refit(detector: Detector, train: Split, destination: Path, epochs: int, learning_rate: float,
          label_smoothing: float, seed: int, progress: Callable[[Iterable], Iterable] = lambda items: items) -> float:
    """Refit the span head on `train` and write it as `destination`/span_head.onnx, with the span-text priors
    of train's gold spans (detect.priors); returns the head's train TC."""
    from propaganda_lens.train.export import export_span_head

    pooled = pool_gold_spans(detector, train, progress)
    head = fit_span_head(pooled, epochs, learning_rate, label_smoothing, seed)
    export_span_head(head, pooled.vectors.shape[1] // 3, destination)
    SpanPriors.from_labels(pooled.texts, pooled.labels).to_disk(destination)
    return accuracy(head, pooled)
