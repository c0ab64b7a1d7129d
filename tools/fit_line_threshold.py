"""Choose a check-worthiness model's cut for lines scored alone (the `claims` command) and write it into the
model folder's config, with its figures in evaluation.json (see propaganda_lens/train/line_threshold.py).

    python tools/fit_line_threshold.py [MODEL_FOLDER] [--ct24 ../shared/data/checkthat2024-task1-en] [--folds 4]

The default folder is the shipped checkworthiness-mpnet.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from propaganda_lens.claims.checkworthiness import shipped_folder
from propaganda_lens.train.line_threshold import fit_line_threshold

CT24 = Path(__file__).resolve().parents[2] / "shared" / "data" / "checkthat2024-task1-en"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=shipped_folder("accurate"))
    parser.add_argument("--ct24", type=Path, default=CT24)
    parser.add_argument("--folds", type=int, default=4)
    options = parser.parse_args()
    figures = fit_line_threshold(options.folder, options.ct24, options.folds)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
