"""Fine-tunes the detector network on PTC train, scores it on dev each epoch, checkpoints and resumes.

Everything a run produces goes to its output folder:
- `checkpoint.pt`   the latest state (network, optimizer, schedule, RNG, position), for `--resume`;
- `best.pt`         the network of the epoch with the best dev SI F1 + TC F1 (with `with_dev`: of the last epoch);
- `training_log.jsonl`  one JSON object per logged step and per epoch (loss, dev scores);
- `holdout.txt`     the train articles kept out of training (`holdout_share`), for fitting calibration.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

from propaganda_lens.data import TECHNIQUES
from propaganda_lens.detect.detector import Detector, DetectorConfig
from propaganda_lens.detect.encoding import N_SPAN_FEATURES, Decoding, load_tokenizer, special_token_ids
from propaganda_lens.train.evaluation import evaluate_split
from propaganda_lens.train.examples import (
    WindowExample, build_windows, joined, load_split, split_off, teacher_targets,
)
from propaganda_lens.train.network import DetectorNetwork, SentenceHead, TorchBackend, pool_spans

log = logging.getLogger("propaganda_lens.train")


@dataclass
class TrainSettings:
    ptc_folder: Path
    base_model: Path
    output: Path
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 8e-5
    head_learning_rate: float = 5e-4
    warmup_share: float = 0.06
    window_size: int = 256
    window_stride: int = 192
    train_window_stride: int = 192
    frozen_layers: int = 0
    seed: int = 13
    log_every: int = 10
    checkpoint_every: int = 50
    threads: int | None = None
    holdout_share: float = 0.0
    teacher: str | None = None  # a model (name or folder) to distil: its soft targets join the gold labels
    distill_weight: float = 0.5  # the soft targets' share of each loss
    technique_weight_power: float = 0.0  # span loss weight of a technique: (mean count / its count) ** power
    sentence_weight: float = 0.0  # weight of the auxiliary sentence loss (does a sentence hold a span?); 0: off
    with_dev: bool = False  # train on train + dev with a recipe fixed beforehand: no dev scores, the last epoch kept

    @classmethod
    def of_run(cls, run_folder: Path) -> "TrainSettings":
        """The settings a run was trained with, as stored in its checkpoint."""
        stored = torch.load(run_folder / "checkpoint.pt", weights_only=False)["settings"]
        values = {}
        for spec in fields(cls):
            if spec.name not in stored:  # a setting added after the run: its default
                continue
            text = stored[spec.name]
            kind = {"Path": Path, "int": int, "float": float, "int | None": int, "str | None": str,
                    "bool": lambda text: text == "True"}[str(spec.type)]
            values[spec.name] = None if text == "None" else kind(text)
        return cls(**values)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def collate(batch: list[WindowExample], pad_id: int) -> dict[str, torch.Tensor | list | None]:
    width = max(len(example.input_ids) for example in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
    tags = torch.full((len(batch), width), -100, dtype=torch.long)
    distilling = batch[0].soft_tags is not None
    soft_tags = torch.zeros((len(batch), width, 3)) if distilling else None
    rows, firsts, lasts, features, labels, soft_labels = [], [], [], [], [], []
    sentence_rows, sentence_firsts, sentence_lasts, sentence_labels = [], [], [], []
    for row, example in enumerate(batch):
        length = len(example.input_ids)
        input_ids[row, :length] = torch.from_numpy(example.input_ids)
        attention_mask[row, :length] = 1
        tags[row, :length] = torch.from_numpy(example.tags)
        if distilling:
            soft_tags[row, :length] = torch.from_numpy(example.soft_tags)
        for span in example.spans:
            rows.append(row)
            firsts.append(span.first)
            lasts.append(span.last)
            features.append(span.features)
            labels.append(span.label)
            if distilling:
                soft_labels.append(span.soft_label)
        for sentence in example.sentences:
            sentence_rows.append(row)
            sentence_firsts.append(sentence.first)
            sentence_lasts.append(sentence.last)
            sentence_labels.append(sentence.label)
    return {
        "soft_tags": soft_tags,
        "soft_labels": torch.from_numpy(np.asarray(soft_labels, dtype=np.float32)) if distilling and rows else None,
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "tags": tags,
        "span_rows": rows,
        "span_firsts": firsts,
        "span_lasts": lasts,
        "span_features": torch.tensor(features, dtype=torch.float32).reshape(len(rows), N_SPAN_FEATURES),
        "span_labels": torch.tensor(labels, dtype=torch.long),
        "sentence_rows": sentence_rows,
        "sentence_firsts": sentence_firsts,
        "sentence_lasts": sentence_lasts,
        "sentence_labels": torch.tensor(sentence_labels, dtype=torch.float32),
    }


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a teacher's distributions, averaged over the positions `mask` keeps."""
    per_position = -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1)
    return per_position[mask].mean()


def blend(hard: torch.Tensor, soft: torch.Tensor, weight: float) -> torch.Tensor:
    return (1 - weight) * hard + weight * soft


def technique_weights(windows: list[WindowExample], n_techniques: int, power: float) -> torch.Tensor | None:
    """Class weights for the span loss that lift rare techniques: (mean count / count) ** power, None at 0."""
    if power == 0:
        return None
    counts = np.bincount([span.label for window in windows for span in window.spans], minlength=n_techniques)
    return torch.tensor((counts.mean() / np.maximum(counts, 1)) ** power, dtype=torch.float32)


def detector_config(
    settings: TrainSettings, tokenizer: Tokenizer, name: str, decoding: Decoding | None = None
) -> DetectorConfig:
    """Inference settings matching a training run (windows, special tokens), with the given decoding."""
    cls_id, sep_id, pad_id = special_token_ids(tokenizer)
    return DetectorConfig(
        name=name,
        window_size=settings.window_size,
        window_stride=settings.window_stride,
        decoding=decoding or Decoding(),
        cls_token_id=cls_id,
        sep_token_id=sep_id,
        pad_token_id=pad_id,
    )


def keep_log_until(log_path: Path, epochs_done: int, step: int) -> None:
    """Drop log records written after the checkpoint a run resumes from (they will be written again)."""
    if not log_path.exists():
        return
    records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    kept = [
        record
        for record in records
        if (record["epoch"] <= epochs_done if "dev" in record else (record["epoch"] - 1, record["step"]) <= (epochs_done, step))
    ]
    log_path.write_text("".join(json.dumps(record) + "\n" for record in kept), encoding="utf-8")


def train(settings: TrainSettings, resume: bool = False) -> Path:
    """Train, evaluating on dev after each epoch; returns the path of the best network. With `with_dev`, dev
    joins the training articles, nothing is scored, and `best.pt` is the last epoch's network."""
    if settings.threads:
        torch.set_num_threads(settings.threads)
    settings.output.mkdir(parents=True, exist_ok=True)
    seed_everything(settings.seed)
    tokenizer = load_tokenizer(settings.base_model / "tokenizer.json")
    cls_id, sep_id, pad_id = special_token_ids(tokenizer)

    train_split, holdout = split_off(load_split(settings.ptc_folder, "train"), settings.holdout_share)
    (settings.output / "holdout.txt").write_text("".join(f"{i}\n" for i in sorted(holdout.articles)), encoding="utf-8")
    dev_split = load_split(settings.ptc_folder, "dev")
    if settings.with_dev:
        train_split = joined(train_split, dev_split)
    soft_targets = None
    if settings.teacher:
        teacher = Detector.from_disk(settings.teacher)
        log.info("distilling %s: computing its soft targets", teacher.config.name)
        soft_targets = teacher_targets(teacher, train_split, tokenizer)
    windows = build_windows(
        train_split, tokenizer, TECHNIQUES, settings.window_size, settings.train_window_stride, cls_id, sep_id,
        soft_targets,
    )
    log.info("%d train windows, %d gold technique spans", len(windows), sum(len(w.spans) for w in windows))

    network = DetectorNetwork(settings.base_model, len(TECHNIQUES))
    network.freeze_lower_layers(settings.frozen_layers)
    sentence_head = SentenceHead(network.tagger.config.hidden_size) if settings.sentence_weight > 0 else None
    head_parameters = list(network.span_head.parameters()) + list(network.tagger.classifier.parameters())
    if sentence_head is not None:
        head_parameters += list(sentence_head.parameters())
    head_ids = {id(p) for p in head_parameters}
    encoder_parameters = [p for p in network.parameters() if id(p) not in head_ids and p.requires_grad]
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder_parameters, "lr": settings.learning_rate},
            {"params": head_parameters, "lr": settings.head_learning_rate},
        ],
        weight_decay=0.01,
    )
    trained_parameters = encoder_parameters + head_parameters
    steps_per_epoch = (len(windows) + settings.batch_size - 1) // settings.batch_size
    total_steps = steps_per_epoch * settings.epochs
    warmup = max(1, int(total_steps * settings.warmup_share))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup)))
    )

    checkpoint_path = settings.output / "checkpoint.pt"
    log_path = settings.output / "training_log.jsonl"
    start_epoch, start_step, best_score = 0, 0, -1.0
    if resume and checkpoint_path.exists():
        state = torch.load(checkpoint_path, weights_only=False)
        network.load_state_dict(state["network"])
        if sentence_head is not None:
            sentence_head.load_state_dict(state["sentence_head"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, start_step, best_score = state["epoch"], state["step"], state["best_score"]
        keep_log_until(log_path, start_epoch, start_step)
        log.info("resumed at epoch %d, step %d", start_epoch + 1, start_step)
    elif log_path.exists():
        log_path.unlink()

    def write_log(record: dict) -> None:
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def save_checkpoint(epoch: int, step: int) -> None:
        state = {
            "network": network.state_dict(),
            "sentence_head": None if sentence_head is None else sentence_head.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "epoch": epoch,
            "step": step,
            "best_score": best_score,
            "settings": {k: str(v) for k, v in asdict(settings).items()},
        }
        torch.save(state, checkpoint_path.with_suffix(".tmp"))
        checkpoint_path.with_suffix(".tmp").replace(checkpoint_path)

    tag_loss_function = nn.CrossEntropyLoss(ignore_index=-100)
    sentence_loss_function = nn.BCEWithLogitsLoss()
    span_loss_function = nn.CrossEntropyLoss(
        weight=technique_weights(windows, len(TECHNIQUES), settings.technique_weight_power)
    )
    for epoch in range(start_epoch, settings.epochs):
        order = np.random.default_rng(settings.seed + epoch).permutation(len(windows))
        network.train()
        if sentence_head is not None:
            sentence_head.train()
        started = time.monotonic()
        running = []
        for step in range(start_step, steps_per_epoch):
            batch_indices = order[step * settings.batch_size : (step + 1) * settings.batch_size]
            batch = collate([windows[i] for i in batch_indices], pad_id)
            tag_logits, hidden = network(batch["input_ids"], batch["attention_mask"])
            tag_loss = tag_loss_function(tag_logits.reshape(-1, 3), batch["tags"].reshape(-1))
            if batch["soft_tags"] is not None:
                tag_loss = blend(tag_loss, soft_cross_entropy(tag_logits, batch["soft_tags"], batch["tags"] != -100),
                                 settings.distill_weight)
            loss = tag_loss
            span_loss = torch.tensor(0.0)
            if batch["span_rows"]:
                vectors = pool_spans(hidden, batch["span_rows"], batch["span_firsts"], batch["span_lasts"])
                span_logits = network.span_head(vectors, batch["span_features"])
                span_loss = span_loss_function(span_logits, batch["span_labels"])
                if batch["soft_labels"] is not None:
                    every = torch.ones(len(span_logits), dtype=torch.bool)
                    span_loss = blend(span_loss, soft_cross_entropy(span_logits, batch["soft_labels"], every),
                                      settings.distill_weight)
                loss = loss + span_loss
            sentence_loss = torch.tensor(0.0)
            if sentence_head is not None and batch["sentence_rows"]:
                sentence_logits = sentence_head(
                    hidden, batch["sentence_rows"], batch["sentence_firsts"], batch["sentence_lasts"]
                )
                sentence_loss = sentence_loss_function(sentence_logits, batch["sentence_labels"])
                loss = loss + settings.sentence_weight * sentence_loss
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(trained_parameters, 1.0)
            optimizer.step()
            schedule.step()
            running.append((tag_loss.item(), span_loss.item(), sentence_loss.item()))
            if (step + 1) % settings.log_every == 0:
                tag_mean, span_mean, sentence_mean = np.mean(running, axis=0)
                running.clear()
                elapsed = time.monotonic() - started
                log.info(
                    "epoch %d step %d/%d tag loss %.4f span loss %.4f sentence loss %.4f (%.1f s/step)",
                    epoch + 1, step + 1, steps_per_epoch, tag_mean, span_mean, sentence_mean,
                    elapsed / (step + 1 - start_step),
                )
                record = {"epoch": epoch + 1, "step": step + 1, "tag_loss": tag_mean, "span_loss": span_mean}
                if sentence_head is not None:
                    record["sentence_loss"] = sentence_mean
                write_log(record)
            if (step + 1) % settings.checkpoint_every == 0:
                save_checkpoint(epoch, step + 1)
        start_step = 0

        summary, better = None, True  # with_dev: nothing is scored, and each epoch replaces the last
        if not settings.with_dev:
            detector = Detector(TorchBackend(network), tokenizer, detector_config(settings, tokenizer, "training"))
            scores = evaluate_split(detector, dev_split)
            summary = scores.summary()
            log.info("epoch %d dev %s", epoch + 1, json.dumps({k: round(v, 4) for k, v in summary.items()}))
            score = scores.si.f1 + scores.tc.f1
            better = score > best_score
            best_score = max(best_score, score)
        record = {"epoch": epoch + 1, "dev": summary, "epoch_seconds": time.monotonic() - started}
        if better:
            torch.save({"network": network.state_dict(), "dev": summary, "epoch": epoch + 1}, settings.output / "best.pt")
            record["best"] = True
        write_log(record)
        save_checkpoint(epoch + 1, 0)
    return settings.output / "best.pt"
