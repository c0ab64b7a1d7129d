"""Runs the exported encoder and span head with onnxruntime on the CPU."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import onnxruntime

from propaganda_lens.onnx_int8 import inference_session

ENCODER_FILE = "encoder.onnx"
SPAN_HEAD_FILE = "span_head.onnx"


ARENA_GROWS_BY_REQUEST = 1  # onnxruntime's kSameAsRequested (the default, kNextPowerOfTwo, doubles each extension)


@functools.cache
def register_shared_arena() -> None:
    """Register, once per process, the CPU memory arena that encoders share: it grows by what a run asks for.
    With it, and without onnxruntime's memory pattern (one block planned for a whole run), a corpus worker of
    the `accurate` model peaked 230 MB lower on the longest PTC articles, with the same outputs and speed."""
    memory = onnxruntime.OrtMemoryInfo("Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0,
                                       onnxruntime.OrtMemType.DEFAULT)
    onnxruntime.create_and_register_allocator(memory, onnxruntime.OrtArenaCfg(0, ARENA_GROWS_BY_REQUEST, -1, -1))


def shared_arena_options(threads: int | None = None) -> onnxruntime.SessionOptions:
    """Session options of a model that takes its memory from the process's shared arena
    (`register_shared_arena`), without onnxruntime's memory pattern, on `threads` threads (default: all)."""
    register_shared_arena()
    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.use_env_allocators", "1")
    options.enable_mem_pattern = False
    if threads:
        options.intra_op_num_threads = threads
    return options


class OnnxBackend:
    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self.folder = folder
        options = shared_arena_options(threads)
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = ["CPUExecutionProvider"]
        self.encoder = inference_session(folder / ENCODER_FILE, options, providers)
        # The span head is a small MLP: it runs on the calling thread. With a thread pool of its own, that
        # pool's threads spin after each call and take cores from the encoder's next batch (the detector
        # ran 25% slower on PTC dev with the fast model).
        head_options = onnxruntime.SessionOptions()
        head_options.intra_op_num_threads = 1
        self.span_head = onnxruntime.InferenceSession(str(folder / SPAN_HEAD_FILE), head_options, providers=providers)
        # The memory arena keeps what the largest batches needed; shrinking it after a large batch gives
        # that memory back (a long text would otherwise leave hundreds of MB held when idle).
        self._shrinking = onnxruntime.RunOptions()
        self._shrinking.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def encode_windows(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, release_memory: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        tag_logits, hidden = self.encoder.run(
            ["tag_logits", "hidden_states"],
            {"input_ids": input_ids, "attention_mask": attention_mask},
            self._shrinking if release_memory else None,
        )
        return tag_logits, hidden

    def classify(self, span_vectors: np.ndarray, span_features: np.ndarray) -> np.ndarray:
        (logits,) = self.span_head.run(["technique_logits"], {"span_vectors": span_vectors, "span_features": span_features})
        return logits
