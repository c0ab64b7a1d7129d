"""Checkpoint averaging: the mean of the best epoch's weights and the last epoch's, a cheap ensemble."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from propaganda_lens.files import atomic_path


def average_run(run: Path, output: Path) -> None:
    """Write a run folder whose best.pt holds the mean of `run`'s best.pt and the network in its
    checkpoint.pt (the last epoch trained), for `export`. The settings (checkpoint.pt) and log are copied."""
    best = torch.load(run / "best.pt", weights_only=False)
    last = torch.load(run / "checkpoint.pt", weights_only=False)
    if best["network"].keys() != last["network"].keys():
        raise ValueError(f"{run}: best.pt and checkpoint.pt hold different networks")
    averaged = {
        name: (weight.float() + last["network"][name].float()).div(2).to(weight.dtype) if weight.is_floating_point()
        else weight
        for name, weight in best["network"].items()
    }
    output.mkdir(parents=True, exist_ok=True)
    with atomic_path(output / "best.pt") as temporary:
        torch.save({**best, "network": averaged, "epoch": f"{best['epoch']} and {last['epoch']}, averaged"}, temporary)
    shutil.copy(run / "checkpoint.pt", output / "checkpoint.pt")
    shutil.copy(run / "training_log.jsonl", output / "training_log.jsonl")
