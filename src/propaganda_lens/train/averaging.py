"""Checkpoint averaging, a cheap ensemble with one network's cost: the mean of one run's best and last epochs'
weights, or of several runs' best networks fine-tuned from the same base (a "model soup")."""

from __future__ import annotations

from pathlib import Path

import torch

from propaganda_lens.files import atomic_path, write_text_atomically
from propaganda_lens.train.export import HOLDOUT_FILE, TRAINING_LOG_FILE


def average_run(run: Path, output: Path) -> None:
    """Write a run folder whose best.pt holds the mean of `run`'s best.pt and the network in its
    checkpoint.pt (the last epoch trained), for `export`."""
    best = torch.load(run / "best.pt", weights_only=False)
    last = torch.load(run / "checkpoint.pt", weights_only=False)
    _write(output, [best["network"], last["network"]], best, f"{best['epoch']} and {last['epoch']}, averaged",
           last["settings"], run)


def average_runs(runs: list[Path], output: Path) -> None:
    """Write a run folder whose best.pt holds the mean of the runs' best.pt networks, for `export`. The runs
    must share the base model and the held-out articles (so that calibration and held-out comparisons stay on
    articles none of them trained on); the soup counts as trained on dev if any run was."""
    if len(runs) < 2:
        raise ValueError("a soup needs at least two runs")
    bests = [torch.load(run / "best.pt", weights_only=False) for run in runs]
    settings = [torch.load(run / "checkpoint.pt", weights_only=False)["settings"] for run in runs]
    if len({setting["base_model"] for setting in settings}) > 1:
        raise ValueError("the runs were fine-tuned from different base models")
    holdouts = {(run / HOLDOUT_FILE).read_text(encoding="utf-8") if (run / HOLDOUT_FILE).exists() else ""
                for run in runs}
    if len(holdouts) > 1:
        raise ValueError(f"the runs hold out different train articles ({HOLDOUT_FILE} differs)")
    merged = {**settings[0], "with_dev": str(any(setting.get("with_dev") == "True" for setting in settings))}
    epochs = ", ".join(f"{run.name} epoch {best['epoch']}" for run, best in zip(runs, bests))
    _write(output, [best["network"] for best in bests], bests[0], f"soup of {epochs}", merged, runs[0])


def _write(output: Path, networks: list[dict], best: dict, epoch: str, settings: dict, first_run: Path) -> None:
    """best.pt with the networks' mean; checkpoint.pt with the settings alone (no optimizer state, so the folder
    is for `export`, not `--resume`); the first run's log and held-out articles."""
    names = networks[0].keys()
    if any(network.keys() != names or any(network[name].shape != networks[0][name].shape for name in names)
           for network in networks[1:]):
        raise ValueError("the networks differ in their layers")
    averaged = {
        name: sum(network[name].float() for network in networks).div(len(networks)).to(weight.dtype)
        if weight.is_floating_point() else weight
        for name, weight in networks[0].items()
    }
    output.mkdir(parents=True, exist_ok=True)
    with atomic_path(output / "best.pt") as temporary:
        torch.save({**best, "network": averaged, "epoch": epoch}, temporary)
    with atomic_path(output / "checkpoint.pt") as temporary:
        torch.save({"settings": settings}, temporary)
    for name in (TRAINING_LOG_FILE, HOLDOUT_FILE):
        if (first_run / name).exists():
            write_text_atomically(output / name, (first_run / name).read_text(encoding="utf-8"))
