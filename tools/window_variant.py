"""A copy of a detector that reads text in windows of another size at inference (issue 22: the window ablation).

    python tools/window_variant.py accurate --window-size 512 --window-stride 448 -o /tmp/accurate-w512
    propaganda-lens calibrate /tmp/accurate-w512 --ptc ../shared/data/ptc-semeval2020 --articles /tmp/accurate-w512/holdout.txt
    python tools/compare_detectors.py accurate /tmp/accurate-w512 --articles both
    propaganda-lens evaluate-model --ptc ../shared/data/ptc-semeval2020 -m /tmp/accurate-w512

The weights, head, priors and decoding stay; only `window_size` and `window_stride` of the copy's config change,
and its checksums are written again. The calibration was fitted at the old windows: run `calibrate` on the copy
before reading its ECE (SI and TC do not depend on it). The encoders here hold at most 512 positions.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import replace
from pathlib import Path

from propaganda_lens.cli.models import rewrite_checksums
from propaganda_lens.detect.detector import CONFIG_FILE, DetectorConfig, model_folder
from propaganda_lens.detect.encoding import window_problem


def write_variant(model: str, window_size: int, window_stride: int, output: Path) -> None:
    """Copy `model`'s folder to `output` with the given window size and stride (tokens, [CLS] and [SEP] included
    in the size)."""
    if problem := window_problem(window_size, window_stride):
        raise ValueError(problem)
    source = model_folder(model)
    shutil.copytree(source, output)
    config = DetectorConfig.from_file(source / CONFIG_FILE)
    replace(config, window_size=window_size, window_stride=window_stride).to_file(output / CONFIG_FILE)
    rewrite_checksums(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a shipped model's name or a model folder")
    parser.add_argument("--window-size", type=int, required=True)
    parser.add_argument("--window-stride", type=int, required=True)
    parser.add_argument("-o", "--output", type=Path, required=True, help="a folder that does not exist yet")
    options = parser.parse_args()
    write_variant(options.model, options.window_size, options.window_stride, options.output)


if __name__ == "__main__":
    main()
