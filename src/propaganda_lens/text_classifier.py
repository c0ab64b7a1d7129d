"""A text classifier run by onnxruntime: the shared loading of the check-worthiness model and the relation encoder.

A folder holds `model.onnx` (input_ids, attention_mask -> logits), `tokenizer.json`, `config.json` and `SHA256SUMS`.
Nothing heavy is imported until a model loads, so that importing a stage stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

MODEL_FILE = "model.onnx"


class TextClassifier:
    """A loaded classifier; subclasses name their config class and what they are called in errors."""

    config_type: ClassVar[Any]
    description: ClassVar[str]

    def __init__(self, session, tokenizer, config) -> None:
        """`session`: an onnxruntime.InferenceSession of the model; `tokenizer`: a tokenizers.Tokenizer, truncating
        at the config's max_tokens."""
        self.session = session
        self.tokenizer = tokenizer
        self.config = config
        self.tokenizer.enable_truncation(config.max_tokens)
        self.tokenizer.no_padding()

    @classmethod
    def load(cls, folder: Path, threads: int | None = None):
        """The classifier in `folder`, its checksums verified; a ModelError when a part is missing or broken."""
        import onnxruntime
        from tokenizers import Tokenizer

        from propaganda_lens.detect.detector import CONFIG_FILE, TOKENIZER_FILE, ModelError, verify_checksums
        from propaganda_lens.detect.onnx_backend import shared_arena_options
        from propaganda_lens.onnx_int8 import inference_session

        verify_checksums(folder)
        try:
            config = cls.config_type.from_file(folder / CONFIG_FILE)
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            session = inference_session(folder / MODEL_FILE, shared_arena_options(threads), ["CPUExecutionProvider"])
        except (OSError, ValueError, TypeError, onnxruntime.capi.onnxruntime_pybind11_state.Fail) as error:
            raise ModelError(f"{folder}: not a complete {cls.description} ({error})") from None
        return cls(session, tokenizer, config)
