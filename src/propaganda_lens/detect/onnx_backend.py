"""Runs the exported encoder and span head with onnxruntime on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime

from propaganda_lens.onnx_int8 import inference_session

ENCODER_FILE = "encoder.onnx"
SPAN_HEAD_FILE = "span_head.onnx"


class OnnxBackend:
    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self.folder = folder
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
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
