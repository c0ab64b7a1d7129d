"""Reliability diagrams (matplotlib, the `train` extra): how often a model is right at each confidence."""

from __future__ import annotations

from pathlib import Path

from propaganda_lens.files import atomic_path
from propaganda_lens.scoring import expected_calibration_error, reliability_bins


def write_reliability_diagram(path: Path, title: str, panels: dict[str, tuple[list[float], list[bool]]]) -> None:
    """One panel per (probabilities, outcomes) pair: accuracy per 10 equal-width bins against the diagonal,
    with each bin's item count and the panel's ECE, written atomically as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, len(panels), figsize=(5 * len(panels), 4.6), squeeze=False)
    for axis, (name, (probabilities, outcomes)) in zip(axes[0], panels.items()):
        table = reliability_bins(probabilities, outcomes)
        axis.plot([0, 1], [0, 1], linestyle="--", color="#888", linewidth=1, label="perfect calibration")
        axis.bar([(low + high) / 2 for low, high, *_ in table], [accuracy for *_, accuracy in table], width=0.09,
                 color="#4a78b5", edgecolor="#24466f", label="share right")
        axis.plot([confidence for *_, confidence, _ in table], [accuracy for *_, accuracy in table], "o", color="#c0392b",
                  markersize=4, label="mean confidence")
        for low, high, count, _, accuracy in table:
            axis.annotate(str(count), ((low + high) / 2, min(accuracy + 0.02, 0.95)), ha="center", fontsize=7)
        ece = expected_calibration_error(probabilities, outcomes)
        axis.set(xlim=(0, 1), ylim=(0, 1), xlabel="probability", ylabel="share right",
                 title=f"{name}\nECE {ece:.3f}, {len(probabilities)} items")
        axis.legend(loc="upper left", fontsize=7)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, format="png")
    pyplot.close(figure)
