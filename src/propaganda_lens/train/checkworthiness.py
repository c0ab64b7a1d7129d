"""Fine-tunes a sentence classifier for check-worthiness on CheckThat! 2024 Task 1 English and exports it to ONNX.

Train on `train` (ClaimBuster's crowdsourced sentences), pick the epoch and the decision threshold on `dev`
(ClaimBuster's groundtruth set) or, with `select_on_train`, on a held-out tenth of train, and report
positive-class F1 on `dev-test`, which nothing is tuned on.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification

from propaganda_lens.claims.checkworthiness import MODEL_FILE, CheckworthinessConfig, CheckworthinessModel
from propaganda_lens.detect.detector import CONFIG_FILE, EVALUATION_FILE, TOKENIZER_FILE, write_checksums
from propaganda_lens.detect.encoding import special_token_ids
from propaganda_lens.files import write_text_atomically
from propaganda_lens.scoring import harmonic_mean
from propaganda_lens.train.base_models import BaseModel, describe
from propaganda_lens.train.classifier import epoch_batches, export_onnx, padded, train_step

log = logging.getLogger("propaganda_lens.train")
MAX_QUANTIZATION_LOSS = 0.01
SPLIT_FILES = {split: f"CT24_checkworthy_english_{split}.tsv" for split in ("train", "dev", "dev-test")}
OPTIONS_FILE = "options.txt"  # a run's train-claims options, for the model card's reproduce line
DAMAGED_TEXT = "#NAME?"  # spreadsheet damage in 6 train rows (see the data's PROVENANCE.md)


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    text: str
    check_worthy: bool


def read_sentences(path: Path) -> list[LabelledSentence]:
    """A CheckThat! TSV (Sentence_id, Text, class_label Yes|No); a row that lost its line break is split in two."""
    sentences = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows)
        for row in rows:
            cells = row
            if len(row) == 5:  # "…<TAB>No29286<TAB>…": two rows joined where a newline went missing
                label, second_id = (row[2][:3], row[2][3:]) if row[2].startswith("Yes") else (row[2][:2], row[2][2:])
                cells = [row[0], row[1], label, second_id, row[3], row[4]]
            for first in range(0, len(cells), 3):
                sentence_id, text, label = cells[first : first + 3]
                if label not in ("Yes", "No"):
                    raise ValueError(f"{path}: sentence {sentence_id}: class_label {label!r}, expected Yes or No")
                if text != DAMAGED_TEXT:
                    sentences.append(LabelledSentence(sentence_id, text, label == "Yes"))
    return sentences


def positive_f1(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = probabilities >= threshold
    true_positives = float(np.sum(predicted & labels))
    precision = true_positives / max(1, int(predicted.sum()))
    recall = true_positives / max(1, int(labels.sum()))
    return {"precision": precision, "recall": recall, "f1": harmonic_mean(precision, recall)}


THRESHOLD_STEPS = np.round(np.arange(0.05, 0.96, 0.05), 2)  # the thresholds a selection tries


def best_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The threshold (0.05 steps) with the best positive-class F1; the lowest on a tie."""
    return float(max(THRESHOLD_STEPS, key=lambda t: positive_f1(probabilities, labels, t)["f1"]))


class _Batches:
    def __init__(self, tokenizer, sentences: list[LabelledSentence], max_tokens: int, pad_id: int) -> None:
        tokenizer.enable_truncation(max_tokens)
        tokenizer.no_padding()
        self.encodings = [encoding.ids for encoding in tokenizer.encode_batch([s.text for s in sentences])]
        self.labels = np.array([s.check_worthy for s in sentences])
        self.pad_id = pad_id

    def tensors(self, indices) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        ids, mask = padded(self.encodings, indices, self.pad_id)
        return ids, mask, torch.from_numpy(self.labels[list(indices)].astype(np.int64))


@torch.inference_mode()
def _predict(network, batches: _Batches, batch_size: int = 64) -> np.ndarray:
    network.eval()
    order = sorted(range(len(batches.encodings)), key=lambda i: len(batches.encodings[i]))
    result = np.zeros(len(order), dtype=np.float32)
    for begin in range(0, len(order), batch_size):
        chosen = order[begin : begin + batch_size]
        ids, mask, _ = batches.tensors(chosen)
        result[chosen] = torch.softmax(network(input_ids=ids, attention_mask=mask).logits, dim=-1)[:, 1].numpy()
    return result


def train_holdout(sentence_id: str) -> bool:
    """A tenth of CT24 train held out for model selection: blocks of 100 consecutive ids (neighbouring debate lines
    stay on one side)."""
    return int(sentence_id) // 100 % 10 == 0


def train_checkworthiness(
    data: Path, base: Path, output: Path, epochs: int = 3, batch_size: int = 32, learning_rate: float = 4e-5,
    max_tokens: int = 96, seed: int = 13, threads: int | None = None, by_length: bool = False,
    select_on_train: bool = False,
) -> Path:
    """Fine-tune `base`; keep every epoch's network as `output/epoch-N.pt` and the one with the best F1 as
    `output/best.pt`, with its best threshold. The epoch and threshold are chosen on dev, or with
    `select_on_train` on a held-out tenth of train (`train_holdout`), so that dev is only scored."""
    from tokenizers import Tokenizer

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    output.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    pad_id = special_token_ids(tokenizer)[2]
    train_sentences = read_sentences(data / SPLIT_FILES["train"])
    held = [select_on_train and train_holdout(s.id) for s in train_sentences]
    held_out = [s for s, out in zip(train_sentences, held) if out]
    train_set = _Batches(tokenizer, [s for s, out in zip(train_sentences, held) if not out], max_tokens, pad_id)
    dev_set = _Batches(tokenizer, read_sentences(data / SPLIT_FILES["dev"]), max_tokens, pad_id)
    selection_set = _Batches(tokenizer, held_out, max_tokens, pad_id) if select_on_train else dev_set
    network = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=2)
    optimizer = torch.optim.AdamW(network.parameters(), lr=learning_rate, weight_decay=0.01)
    steps_per_epoch = (len(train_set.labels) + batch_size - 1) // batch_size
    lengths = [len(ids) for ids in train_set.encodings]
    total = steps_per_epoch * epochs
    warmup = max(1, total // 16)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup)))
    )
    options = {"--base-model": describe(base).cli_name, "--epochs": epochs, "--batch-size": batch_size,
               "--learning-rate": learning_rate, "--by-length": by_length, "--select-on-train": select_on_train}
    write_text_atomically(output / OPTIONS_FILE, "".join(
        f" {flag}" if value is True else "" if value is False else f" {flag} {value}" for flag, value in options.items()))
    best_f1 = -1.0
    log_path = output / "training_log.jsonl"
    log_path.unlink(missing_ok=True)
    for epoch in range(epochs):
        network.train()
        batches = epoch_batches(lengths, batch_size, np.random.default_rng(seed + epoch), by_length)
        started, losses = time.monotonic(), []
        for step, batch in enumerate(batches):
            losses.append(train_step(network, optimizer, schedule, *train_set.tensors(batch)))
            if (step + 1) % 100 == 0:
                log.info("epoch %d step %d/%d loss %.4f", epoch + 1, step + 1, steps_per_epoch, np.mean(losses[-100:]))
        selection = _predict(network, selection_set)
        threshold = best_threshold(selection, selection_set.labels)
        chosen_by = positive_f1(selection, selection_set.labels, threshold)
        dev = positive_f1(_predict(network, dev_set), dev_set.labels, threshold) if select_on_train else chosen_by
        record = {"epoch": epoch + 1, "loss": float(np.mean(losses)), "selected_on": "train_holdout" if select_on_train
                  else "dev", "threshold": threshold, "selection": chosen_by, "dev": dev,
                  "epoch_seconds": time.monotonic() - started}
        log.info("epoch %d %s", epoch + 1, json.dumps(record))
        checkpoint = {"network": network.state_dict(), "epoch": epoch + 1, "threshold": threshold}
        torch.save(checkpoint, output / f"epoch-{epoch + 1}.pt")
        if chosen_by["f1"] > best_f1:
            best_f1 = chosen_by["f1"]
            shutil.copy(output / f"epoch-{epoch + 1}.pt", output / "best.pt")
            record["best"] = True
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return output / "best.pt"


def _scores(folder: Path, data: Path) -> dict[str, dict[str, float]]:
    model = CheckworthinessModel.from_disk(folder)
    scores = {}
    for split in ("dev", "dev-test"):
        sentences = read_sentences(data / SPLIT_FILES[split])
        labels = np.array([s.check_worthy for s in sentences])
        scores[split] = {**positive_f1(model.probabilities([s.text for s in sentences]), labels, model.config.threshold),
                         "sentences": len(sentences)}
    return scores


def export_checkworthiness(
    run: Path, base: Path, data: Path, destination: Path, max_tokens: int = 96, checkpoint: str = "best.pt"
) -> dict:
    """Export `run/checkpoint` to an ONNX model folder named like `destination`: int8 unless it loses more than
    MAX_QUANTIZATION_LOSS F1 on dev against fp32 (dev-test is only reported). Both are scored through the
    shipped inference code."""
    network = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=2)
    best = torch.load(run / checkpoint, weights_only=False)
    network.load_state_dict(best["network"])
    config = CheckworthinessConfig(name=destination.name, max_tokens=max_tokens, threshold=best["threshold"])
    with tempfile.TemporaryDirectory() as scratch:
        folders = {variant: Path(scratch) / variant for variant in ("fp32", "int8")}
        for folder in folders.values():
            folder.mkdir()
            shutil.copy(base / "tokenizer.json", folder / TOKENIZER_FILE)
            config.to_file(folder / CONFIG_FILE)
        export_onnx(network, folders["fp32"] / MODEL_FILE, folders["int8"] / MODEL_FILE)
        scores = {}
        for variant, folder in folders.items():
            write_checksums(folder, [MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE])
            scores[variant] = _scores(folder, data)
            log.info("%s %s", variant, json.dumps(scores[variant]))
        loss = scores["fp32"]["dev"]["f1"] - scores["int8"]["dev"]["f1"]
        chosen = "int8" if loss <= MAX_QUANTIZATION_LOSS else "fp32"
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(folders[chosen], destination)
    records = [json.loads(line) for line in (run / "training_log.jsonl").read_text(encoding="utf-8").splitlines()]
    options = run / OPTIONS_FILE
    evaluation = {"checkpoint": checkpoint, "epoch": best["epoch"], "threshold": best["threshold"], "weights": chosen,
                  "options": options.read_text(encoding="utf-8").strip() if options.is_file() else "",
                  "selected_on": records[-1].get("selected_on", "dev"), "int8_dev_f1_loss": loss, "variants": scores,
                  **scores[chosen]}
    write_text_atomically(destination / EVALUATION_FILE, json.dumps(evaluation, indent=2) + "\n")
    shutil.copy(run / "training_log.jsonl", destination / "training_log.jsonl")
    write_text_atomically(destination / "README.md", model_card(evaluation, destination.name, describe(base)))
    return evaluation


def model_card(evaluation: dict, name: str, base: BaseModel) -> str:
    rows = "\n".join(
        f"| {variant} | {scores['dev']['f1']:.4f} | {scores['dev-test']['precision']:.4f} | "
        f"{scores['dev-test']['recall']:.4f} | {scores['dev-test']['f1']:.4f} |"
        for variant, scores in evaluation["variants"].items()
    )
    if evaluation["selected_on"] == "dev":
        trained = "`train` (ClaimBuster's 22,501 crowdsourced debate sentences, minus 6 spreadsheet-damaged ones)"
        chosen_on = "`dev` (ClaimBuster's groundtruth set)"
    else:
        trained = ("`train` (ClaimBuster's 22,501 crowdsourced debate sentences, minus 6 spreadsheet-damaged ones) "
                   "but a tenth held out (ids in blocks of 100: `train_holdout`)")
        chosen_on = "that held-out tenth of train; `dev` was only scored (and decides int8 against fp32)"
    return f"""# {name}

Scores how likely a sentence is to make a factual claim worth checking. Used by propaganda-lens to give every
sentence a check-worthiness and to list an article's claims.

- **Base:** {base.hub_name} (Apache-2.0; {base.description}), fine-tuned as a two-class sentence classifier.
- **Data:** CLEF-2024 CheckThat! Task 1 English (`../shared/data/checkthat2024-task1-en`, see its PROVENANCE.md):
  trained on {trained};
  the epoch ({evaluation['epoch']}) and the threshold ({evaluation['threshold']}) were chosen on {chosen_on};
  `dev-test` was used for nothing but the figures below.
- **Shipped:** {evaluation['weights']} ONNX (int8 loses {100 * evaluation['int8_dev_f1_loss']:.2f} F1 points on dev; int8 ships when the
  loss is at most 1 point). Inference: tokenizers + onnxruntime, sentences cut at 96 tokens.
- **Reproduce:** `propaganda-lens train-claims --ct24 ../shared/data/checkthat2024-task1-en -o RUN {evaluation['options']}`
  then `propaganda-lens export-claims RUN --ct24 ../shared/data/checkthat2024-task1-en --base-model {base.cli_name}
  --checkpoint {evaluation['checkpoint']} -o src/propaganda_lens/models/{name}`.

| weights | dev F1 | dev-test precision | dev-test recall | dev-test F1 (positive class) |
|---|---|---|---|---|
{rows}

The best CheckThat! 2024 English systems reached about 0.80 F1 on the (different) test set with large
encoders.

**Limits.** The training sentences come from US presidential debates (1960–2016): spoken, short, American
politics. News prose, quotes and other countries' politics are a domain shift. "Check-worthy" follows
ClaimBuster's crowd judgement of importance, not truth: the model says nothing about whether a claim is true.
It reads English only.
"""
