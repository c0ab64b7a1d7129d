"""Fine-tune a pretrained encoder as a text classifier and export it to ONNX (fp32 and int8), for small labelled
sets such as the relation encoder's pairs (tools/fit_relation_encoder.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModelForSequenceClassification

from propaganda_lens.detect.encoding import special_token_ids

log = logging.getLogger("propaganda_lens.train")


def encode(base: Path, texts: list[str], max_tokens: int) -> tuple[list[list[int]], int]:
    """Token ids of each text (with special tokens, truncated) and the padding id, by `base`'s tokenizer."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(max_tokens)
    tokenizer.no_padding()
    return [encoding.ids for encoding in tokenizer.encode_batch(texts)], special_token_ids(tokenizer)[2]


def padded(encodings: list[list[int]], indices, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask of the chosen encodings, padded to the longest."""
    width = max(len(encodings[i]) for i in indices)
    ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(indices), width), dtype=torch.long)
    for row, index in enumerate(indices):
        ids[row, : len(encodings[index])] = torch.tensor(encodings[index])
        mask[row, : len(encodings[index])] = 1
    return ids, mask


def epoch_batches(lengths: list[int], batch_size: int, rng: np.random.Generator, by_length: bool) -> list[np.ndarray]:
    """One epoch's batches in random order. `by_length`: sentences of similar length share a batch (sorted within
    random pools of 64 batches), which cuts padding, and so training time, by more than half on CT24."""
    order = rng.permutation(len(lengths))
    if by_length:
        pool = batch_size * 64
        order = np.concatenate([sorted(order[i : i + pool], key=lambda index: lengths[index])
                                for i in range(0, len(order), pool)])
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))] if by_length else batches


def fine_tune(
    base: Path, encodings: list[list[int]], labels: np.ndarray, pad_id: int, classes: int, epochs: int = 3,
    batch_size: int = 16, learning_rate: float = 5e-5, seed: int = 13, background_share: float = 1.0,
) -> torch.nn.Module:
    """`base` fine-tuned on the encoded texts (AdamW, linear warm-up and decay, batches of similar length). Each
    epoch reads every text of a class other than 0 and a random `background_share` of the class-0 texts (the
    background class, "none"), which weighs the rare classes up and shortens the epoch."""
    torch.manual_seed(seed)
    network = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=classes)
    optimizer = torch.optim.AdamW(network.parameters(), lr=learning_rate, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    epoch_texts = [
        np.flatnonzero((labels != 0) | (rng.random(len(labels)) < background_share)) for _ in range(epochs)
    ]
    total = sum((len(chosen) + batch_size - 1) // batch_size for chosen in epoch_texts)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup)))
    )
    targets = torch.from_numpy(labels.astype(np.int64))
    for epoch, chosen in enumerate(epoch_texts):
        network.train()
        losses = []
        lengths = [len(encodings[index]) for index in chosen]
        for positions in epoch_batches(lengths, batch_size, np.random.default_rng(seed + epoch), by_length=True):
            batch = chosen[positions]
            losses.append(train_step(network, optimizer, schedule, *padded(encodings, batch, pad_id), targets[batch]))
        log.info("epoch %d loss %.4f", epoch + 1, float(np.mean(losses)))
    return network


def train_step(network, optimizer, schedule, ids: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor) -> float:
    """One optimizer step on a batch's cross-entropy, gradients clipped to norm 1; the batch's loss."""
    loss = torch.nn.functional.cross_entropy(network(input_ids=ids, attention_mask=mask).logits, labels)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
    optimizer.step()
    schedule.step()
    return loss.item()


@torch.inference_mode()
def predict(network: torch.nn.Module, encodings: list[list[int]], pad_id: int, batch_size: int = 64) -> np.ndarray:
    """Class probabilities of each encoded text."""
    network.eval()
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i]))
    result = np.zeros((len(encodings), network.config.num_labels), dtype=np.float32)
    for begin in range(0, len(order), batch_size):
        chosen = order[begin : begin + batch_size]
        ids, mask = padded(encodings, chosen, pad_id)
        result[chosen] = torch.softmax(network(input_ids=ids, attention_mask=mask).logits, dim=-1).numpy()
    return result


def export_onnx(network: torch.nn.Module, fp32_path: Path, int8_path: Path) -> None:
    """The network as ONNX (input_ids, attention_mask -> logits) in fp32, and quantized to int8 (dynamic, per
    channel)."""
    network.eval()

    class _Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids, attention_mask):
            return self.network(input_ids=input_ids, attention_mask=attention_mask).logits

    ids = torch.randint(1000, 2000, (2, 12))
    axes = {0: "batch", 1: "length"}
    torch.onnx.export(_Logits(), (ids, torch.ones_like(ids)), str(fp32_path), input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True)
