"""Exports a trained network to an ONNX model folder that the package ships and loads without torch.

Steps: export the encoder+tagger and the span head to ONNX (fp32; a BERT encoder's attention, LayerNorm and
GELU fused by onnxruntime's transformer optimizer), quantize the encoder to int8, score both
on PTC dev through the same `Detector` code users run, keep int8 if it loses at most one F1 point on SI and
on TC, set the span decoding (threshold, gap joining, minimum length) tuned on dev, and write config, tokenizer, checksums, the dev evaluation
and the model card.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import torch
from onnx import TensorProto
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer

from propaganda_lens.data import TECHNIQUES
from propaganda_lens.detect.detector import (
    CHECKSUM_FILE,
    CONFIG_FILE,
    EVALUATION_FILE,
    PRECISION_KEY,
    TOKENIZER_FILE,
    Detector,
    write_checksums,
)
from propaganda_lens.detect.encoding import N_SPAN_FEATURES, Decoding, load_tokenizer
from propaganda_lens.detect.onnx_backend import ENCODER_FILE, SPAN_HEAD_FILE, OnnxBackend
from propaganda_lens.train.evaluation import DECODING_GRID, SplitScores, evaluate_split, precision_recall_f1, sentence_baseline
from propaganda_lens.train.examples import load_split
from propaganda_lens.train.loop import TrainSettings, detector_config
from propaganda_lens.train.model_card import write_model_card
from propaganda_lens.train.network import DetectorNetwork

log = logging.getLogger("propaganda_lens.train")
MAX_QUANTIZATION_LOSS = 0.01
TRAINING_LOG_FILE = "training_log.jsonl"
HOLDOUT_FILE = "holdout.txt"  # written by train (loop.py), shipped with the model


class _EncoderForExport(torch.nn.Module):
    def __init__(self, network: DetectorNetwork) -> None:
        super().__init__()
        self.network = network

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        return self.network(input_ids, attention_mask)


def export_onnx(network: DetectorNetwork, folder: Path) -> None:
    """Write encoder.onnx (ids, mask -> tag logits, hidden states) and span_head.onnx (fp32)."""
    network.eval()
    config = network.tagger.config
    hidden = config.hidden_size
    fusible = config.model_type == "bert"
    if fusible:  # the optimizer fuses the eager attention graph, not scaled_dot_product_attention's
        network.tagger.set_attn_implementation("eager")
    ids = torch.randint(1000, 2000, (2, 16))
    mask = torch.ones_like(ids)
    sequence_axes = {0: "batch", 1: "length"}
    torch.onnx.export(
        _EncoderForExport(network),
        (ids, mask),
        str(folder / ENCODER_FILE),
        input_names=["input_ids", "attention_mask"],
        output_names=["tag_logits", "hidden_states"],
        dynamic_axes={name: sequence_axes for name in ("input_ids", "attention_mask", "tag_logits", "hidden_states")},
        opset_version=17,
        dynamo=False,
    )
    if fusible:
        fuse_encoder(folder / ENCODER_FILE, config.num_attention_heads, hidden)
    export_span_head(network.span_head, hidden, folder)


def fuse_encoder(path: Path, heads: int, hidden: int) -> None:
    """Rewrite a BERT encoder's ONNX graph with fused Attention, EmbedLayerNorm, SkipLayerNorm and BiasGelu
    nodes (onnxruntime's CPU kernels for them run about 1.4x faster than the plain graph)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(str(path), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1)
    log.info("fused encoder nodes: %s", optimized.get_fused_operator_statistics())
    optimized.save_model_to_file(str(path))


def export_span_head(span_head: torch.nn.Module, hidden: int, folder: Path) -> None:
    """Write span_head.onnx (pooled span vectors and features -> technique logits, fp32)."""
    span_head.eval()
    torch.onnx.export(
        span_head,
        (torch.zeros(3, 3 * hidden), torch.zeros(3, N_SPAN_FEATURES)),
        str(folder / SPAN_HEAD_FILE),
        input_names=["span_vectors", "span_features"],
        output_names=["technique_logits"],
        dynamic_axes={name: {0: "spans"} for name in ("span_vectors", "span_features", "technique_logits")},
        opset_version=17,
        dynamo=False,
    )


def _score_folder(
    folder: Path, settings: TrainSettings, tokenizer: Tokenizer, name: str, split, decoding: Decoding | None
) -> SplitScores:
    """Scores on `split` at the given decoding, or at the best of the grid."""
    detector = Detector(OnnxBackend(folder), tokenizer, detector_config(settings, tokenizer, name))
    return evaluate_split(detector, split, grid=DECODING_GRID if decoding is None else (decoding,))


def export(
    run_folder: Path, settings: TrainSettings, destination: Path, name: str, weights: str = "auto",
    decoding: Decoding | None = None,
) -> SplitScores:
    """Build the shipped model folder from `run_folder/best.pt`; returns the chosen variant's dev scores.
    `weights`: "auto" ships int8 when it loses at most MAX_QUANTIZATION_LOSS F1, else fp32; "int8" or "fp32"
    ship that variant whatever it loses (the model card records the choice). `decoding`: the shipped
    decoding (default: the best on dev). A run trained on dev (`with_dev`) needs both fixed beforehand."""
    if settings.with_dev and (decoding is None or weights == "auto"):
        raise ValueError("a run trained on dev needs its decoding and weights fixed beforehand (--decoding-of, --weights)")
    network = DetectorNetwork(settings.base_model, len(TECHNIQUES))
    best = torch.load(run_folder / "best.pt", weights_only=False)
    network.load_state_dict(best["network"])
    dev = load_split(settings.ptc_folder, "dev")
    tokenizer = load_tokenizer(settings.base_model / "tokenizer.json")
    with tempfile.TemporaryDirectory() as scratch:
        fp32, int8 = Path(scratch) / "fp32", Path(scratch) / "int8"
        for folder in (fp32, int8):
            folder.mkdir()
            shutil.copy(settings.base_model / "tokenizer.json", folder / TOKENIZER_FILE)
        export_onnx(network, fp32)
        shutil.copy(fp32 / SPAN_HEAD_FILE, int8 / SPAN_HEAD_FILE)
        quantize_dynamic(  # fused nodes come from onnxruntime's own domain, unknown to shape inference: fp32
            str(fp32 / ENCODER_FILE), str(int8 / ENCODER_FILE), weight_type=QuantType.QInt8, per_channel=True,
            extra_options={"DefaultTensorType": TensorProto.FLOAT},
        )
        scores = {
            variant: _score_folder(folder, settings, tokenizer, name, dev, decoding)
            for variant, folder in (("fp32", fp32), ("int8", int8))
        }
        for variant, score in scores.items():
            log.info("%s dev %s", variant, json.dumps({k: round(v, 4) for k, v in score.summary().items()}))
        loss_si = scores["fp32"].si.f1 - scores["int8"].si.f1
        loss_tc = scores["fp32"].tc.f1 - scores["int8"].tc.f1
        chosen = weights if weights != "auto" else "int8" if max(loss_si, loss_tc) <= MAX_QUANTIZATION_LOSS else "fp32"
        log.info("shipping %s (int8 loses %.4f SI F1, %.4f TC F1)", chosen, loss_si, loss_tc)
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(Path(scratch) / chosen, destination)

    chosen_scores = scores[chosen]
    detector_config(settings, tokenizer, name, decoding or chosen_scores.best_decoding).to_file(destination / CONFIG_FILE)
    shutil.copy(run_folder / TRAINING_LOG_FILE, destination / TRAINING_LOG_FILE)
    if (run_folder / HOLDOUT_FILE).is_file():  # the train articles kept out of training, which calibrate reads
        shutil.copy(run_folder / HOLDOUT_FILE, destination / HOLDOUT_FILE)
    evaluation = {
        "split": "PTC SemEval-2020 dev (75 articles)" + ("; trained on: training figures" if settings.with_dev else ""),
        "variant": chosen,
        "weights_option": weights,  # export's --weights: auto, int8 or fp32
        "epoch": best["epoch"],
        "quantization_loss": {"si_f1": loss_si, "tc_f1": loss_tc},
        "every_sentence_baseline_si_f1": sentence_baseline(dev).f1,
        "variants": {variant: score.summary() for variant, score in scores.items()},
        "si_by_decoding": [
            {**asdict(decoding), "si_f1": score.f1} for decoding, score in chosen_scores.si_by_decoding.items()
        ],
        "tc_per_technique": {t: precision_recall_f1(s) for t, s in chosen_scores.tc.per_technique.items()},
        "flc_per_technique": {t: precision_recall_f1(s) for t, s in chosen_scores.flc.per_technique.items()},
        PRECISION_KEY: chosen_scores.span_precision,
    }
    (destination / EVALUATION_FILE).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    write_model_card(destination, evaluation, settings)
    shipped = [ENCODER_FILE, SPAN_HEAD_FILE, TOKENIZER_FILE, CONFIG_FILE]
    write_checksums(destination, shipped)
    log.info("model written to %s (%s)", destination, CHECKSUM_FILE)
    return chosen_scores
