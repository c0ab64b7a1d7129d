"""Technique priors for span texts that annotators labelled in training.

Many phrases recur across articles with the same technique ("radical Islam", "so-called"). A model folder may
carry, for each span text labelled in PTC train, how often each technique was given to it. The detector adds
`strength * log((count + smoothing) / (total + k * smoothing))` to the span head's logits of a span whose
normalized text is in the table, and nothing to the others. The table holds only a short hash of each
normalized text, not the text itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from propaganda_lens.files import write_text_atomically

PRIORS_FILE = "span_priors.tsv"
NON_WORD = re.compile(r"\W+")


def text_key(text: str) -> str:
    """The table key of a span text: a hash of its lower-cased words, punctuation and spacing ignored."""
    normalized = NON_WORD.sub(" ", text.lower()).strip()
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class SpanPriors:
    """Per technique counts of the span texts labelled in training, by `text_key`."""

    counts: dict[str, np.ndarray]
    n_techniques: int

    @classmethod
    def from_labels(cls, texts: Iterable[str], labels: np.ndarray) -> "SpanPriors":
        """`labels` (n, k): how often gold gave each technique to each of the n span texts."""
        counts: dict[str, np.ndarray] = {}
        for text, row in zip(texts, labels):
            key = text_key(text)
            counts[key] = counts.get(key, np.zeros(labels.shape[1])) + row
        return cls(counts, labels.shape[1])

    def log_prior(self, texts: Iterable[str], strength: float, smoothing: float) -> np.ndarray:
        """(n, k) additive logits: the smoothed log prior of each known text times `strength`, else 0."""
        rows = []
        for text in texts:
            counts = self.counts.get(text_key(text))
            if counts is None:
                rows.append(np.zeros(self.n_techniques))
            else:
                rows.append(strength * np.log((counts + smoothing) / (counts.sum() + self.n_techniques * smoothing)))
        return np.asarray(rows, dtype=np.float32).reshape(-1, self.n_techniques)

    def to_disk(self, folder: Path) -> None:
        lines = ["\t".join([key, *(f"{count:g}" for count in row)]) + "\n" for key, row in sorted(self.counts.items())]
        write_text_atomically(folder / PRIORS_FILE, "".join(lines))

    @classmethod
    def from_disk(cls, folder: Path, n_techniques: int) -> "SpanPriors":
        counts = {}
        for line in (folder / PRIORS_FILE).read_text(encoding="utf-8").splitlines():
            key, *values = line.split("\t")
            if len(values) != n_techniques:
                raise ValueError(f"{folder / PRIORS_FILE}: {len(values)} counts on a line, expected {n_techniques}")
            counts[key] = np.asarray(values, dtype=np.float64)
        return cls(counts, n_techniques)
