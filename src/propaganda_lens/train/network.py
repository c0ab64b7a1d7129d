"""The torch network: a BERT-style encoder with a BIO tagging head and a technique span head."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModelForTokenClassification

from propaganda_lens.detect.encoding import N_SPAN_FEATURES


class DetectorNetwork(nn.Module):
    """`tagger` is a plain transformers token-classification model (O/B/I); `span_head` labels spans."""

    def __init__(self, base: Path, n_techniques: int) -> None:
        super().__init__()
        self.tagger = AutoModelForTokenClassification.from_pretrained(str(base), num_labels=3)
        hidden = self.tagger.config.hidden_size
        self.span_head = SpanHead(hidden, n_techniques)

    def freeze_lower_layers(self, count: int) -> None:
        """Keep the embeddings and the lowest `count` transformer layers fixed (0: train everything)."""
        if count <= 0:
            return
        encoder = self.tagger.base_model
        for module in [encoder.embeddings, *encoder.encoder.layer[:count]]:
            module.requires_grad_(False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = self.tagger(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return output.logits, output.hidden_states[-1]


class SpanHead(nn.Module):
    def __init__(self, hidden: int, n_techniques: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(3 * hidden + N_SPAN_FEATURES, hidden),
            nn.GELU(),
            nn.Dropout(0.1),
            nn.Linear(hidden, n_techniques),
        )

    def forward(self, span_vectors: torch.Tensor, span_features: torch.Tensor) -> torch.Tensor:
        return self.layers(torch.cat([span_vectors, span_features], dim=-1))


class SentenceHead(nn.Module):
    """Training-only auxiliary head: from a sentence's mean hidden state, whether it holds a propaganda span.
    It shapes the encoder during training and is not exported."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, 1))

    def forward(self, hidden: torch.Tensor, rows: list[int], firsts: list[int], lasts: list[int]) -> torch.Tensor:
        means = torch.stack([hidden[row, first:last].mean(dim=0) for row, first, last in zip(rows, firsts, lasts)])
        return self.layers(means).squeeze(-1)


def pool_spans(hidden: torch.Tensor, rows: list[int], firsts: list[int], lasts: list[int]) -> torch.Tensor:
    """Torch twin of `encoding.pool_span`: [mean, first, last] of each span's hidden states."""
    vectors = [
        torch.cat([hidden[row, first:last].mean(dim=0), hidden[row, first], hidden[row, last - 1]])
        for row, first, last in zip(rows, firsts, lasts)
    ]
    return torch.stack(vectors)


class TorchBackend:
    """Lets the inference `Detector` run the torch network (used to evaluate while training)."""

    def __init__(self, network: DetectorNetwork) -> None:
        self.network = network

    @torch.inference_mode()
    def encode_windows(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, release_memory: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        self.network.eval()
        logits, hidden = self.network(torch.from_numpy(input_ids), torch.from_numpy(attention_mask))
        return logits.numpy(), hidden.numpy()

    @torch.inference_mode()
    def classify(self, span_vectors: np.ndarray, span_features: np.ndarray) -> np.ndarray:
        self.network.eval()
        return self.network.span_head(torch.from_numpy(span_vectors), torch.from_numpy(span_features)).numpy()
