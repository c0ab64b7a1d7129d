"""Check-worthiness: the probability that a sentence makes a factual claim worth checking (ONNX, no torch).

A model folder holds `model.onnx` (input_ids, attention_mask -> logits over [No, Yes]), `tokenizer.json`,
`config.json` (name, max_tokens, the thresholds chosen in training: one for an article's sentences, one for lines
scored alone), `evaluation.json`, a model card
and `SHA256SUMS`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from propaganda_lens.detect.detector import softmax
from propaganda_lens.files import write_text_atomically
from propaganda_lens.text_classifier import MODEL_FILE, TextClassifier


def shipped_folder(detector: str | None = None) -> Path:
    """The check-worthiness model shipped with a detector, by the detector's `--model` name or its config name
    (`accurate` / ptc-mpnet: checkworthiness-mpnet; `fast` / ptc-minilm: checkworthiness-minilm); any other
    detector, and None, gets the default detector's."""
    from propaganda_lens.detect.detector import DEFAULT_MODEL_NAME, SHIPPED_MODELS, shipped_model_path

    by_name = {name: shipped.claims_folder for shipped in SHIPPED_MODELS for name in (shipped.name, shipped.folder)}
    return shipped_model_path(by_name.get(detector or "", by_name[DEFAULT_MODEL_NAME]))


@dataclass(frozen=True)
class CheckworthinessConfig:
    name: str
    max_tokens: int = 96
    threshold: float = 0.5  # a sentence of an article at or above it is a claim worth checking
    line_threshold: float | None = None  # the same for lines scored alone (the `claims` command); None: threshold

    @property
    def line_cut(self) -> float:
        """The cut for lines scored alone, without an article around them, as CheckThat! scores debate lines."""
        return self.threshold if self.line_threshold is None else self.line_threshold

    def to_file(self, path: Path) -> None:
        write_text_atomically(path, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def from_file(cls, path: Path) -> "CheckworthinessConfig":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


class CheckworthinessModel(TextClassifier):
    """Scores sentences, each on its own; `from_disk()` loads the default detector's shipped model."""

    config_type = CheckworthinessConfig
    description = "check-worthiness model"

    @classmethod
    def from_disk(cls, folder: Path | None = None, threads: int | None = None) -> "CheckworthinessModel":
        return cls.load(folder or shipped_folder(), threads)

    def probabilities(self, sentences: list[str]) -> np.ndarray:
        """P(check-worthy) for each sentence, in the order given. Each sentence is scored alone: the int8 model
        quantizes its activations over a whole call, so in a batch a sentence's score would depend on the
        sentences beside it and their padding; alone it is also faster on a CPU (no padding)."""
        result = np.zeros(len(sentences), dtype=np.float32)
        for index, encoding in enumerate(self.tokenizer.encode_batch(sentences)):
            ids = np.array([encoding.ids], dtype=np.int64)
            (logits,) = self.session.run(["logits"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
            result[index] = softmax(logits)[0, 1]
        return result
