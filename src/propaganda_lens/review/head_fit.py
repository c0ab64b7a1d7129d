"""The numpy side of `adapt`: the base span head split at its last layer, a refit of that layer, and the
temperature and span-probability maps, all without torch.

The span head is Gemm -> GELU -> Gemm. Its last hidden layer (the input of the last Gemm) is a fixed
representation of a span; refitting only the last Gemm is a convex, weighted softmax regression that starts
from the base weights and stays near them (an L2 pull towards them), so a few hundred reviewed spans move the
head without it forgetting PTC train.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from onnx import helper, numpy_helper

from propaganda_lens.detect.detector import softmax
from propaganda_lens.detect.onnx_backend import SPAN_HEAD_FILE

LOGITS = "technique_logits"
EPSILON = 1e-6


class SplitHead:
    """A model folder's span head as a fixed first part (span inputs -> last hidden layer) and its last
    linear layer (`weight` (k, h), `bias` (k,)), which `write` replaces."""

    def __init__(self, folder: Path) -> None:
        self.model = onnx.load(str(folder / SPAN_HEAD_FILE))
        graph = self.model.graph
        last = next((node for node in graph.node if LOGITS in node.output), None)
        if last is None or last.op_type != "Gemm":
            raise ValueError(f"{folder / SPAN_HEAD_FILE}: its last layer is not a linear (Gemm) layer")
        attributes = {attribute.name: helper.get_attribute_value(attribute) for attribute in last.attribute}
        if attributes.get("transB") != 1 or attributes.get("transA", 0) != 0:
            raise ValueError(f"{folder / SPAN_HEAD_FILE}: unexpected layout of its last layer")
        self.hidden_name, self.weight_name, self.bias_name = last.input
        initializers = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
        self.weight = initializers[self.weight_name].astype(np.float64)
        self.bias = initializers[self.bias_name].astype(np.float64)
        probe = onnx.ModelProto()
        probe.CopyFrom(self.model)
        probe.graph.output.append(helper.make_tensor_value_info(self.hidden_name, onnx.TensorProto.FLOAT, None))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(probe.SerializeToString(), options,
                                                     providers=["CPUExecutionProvider"])

    def hidden(self, span_vectors: np.ndarray, span_features: np.ndarray) -> np.ndarray:
        """The last hidden layer (n, h) for pooled span vectors and span features."""
        if len(span_vectors) == 0:
            return np.zeros((0, self.weight.shape[1]), dtype=np.float32)
        (hidden,) = self._session.run([self.hidden_name], {"span_vectors": span_vectors.astype(np.float32),
                                                           "span_features": span_features.astype(np.float32)})
        return hidden

    def write(self, folder: Path, weight: np.ndarray, bias: np.ndarray) -> None:
        """The head with a new last layer, as `folder`/span_head.onnx."""
        model = onnx.ModelProto()
        model.CopyFrom(self.model)
        for tensor in model.graph.initializer:
            if tensor.name in (self.weight_name, self.bias_name):
                values = weight if tensor.name == self.weight_name else bias
                tensor.CopyFrom(numpy_helper.from_array(values.astype(np.float32), tensor.name))
        onnx.save(model, str(folder / SPAN_HEAD_FILE))


def smoothed_targets(labels: np.ndarray, smoothing: float) -> np.ndarray:
    """Each row's label counts as a distribution, smoothed towards uniform by `smoothing`."""
    distribution = labels / np.maximum(labels.sum(axis=1, keepdims=True), EPSILON)
    return distribution * (1 - smoothing) + smoothing / labels.shape[1]


def fit_last_layer(hidden: np.ndarray, targets: np.ndarray, weights: np.ndarray, start: tuple[np.ndarray, np.ndarray],
                   pull: float, steps: int, learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted softmax regression from `start` (weight, bias): minimises the weighted mean cross-entropy
    against `targets` plus pull/2 * |weight - start weight|^2, by full-batch Adam (deterministic)."""
    hidden, targets = hidden.astype(np.float32), targets.astype(np.float32)
    weight, bias = start[0].astype(np.float32), start[1].astype(np.float32)
    anchor = weight.copy()
    share = (weights / weights.sum()).astype(np.float32)
    moments = [np.zeros_like(weight), np.zeros_like(bias)]
    squares = [np.zeros_like(weight), np.zeros_like(bias)]
    beta1, beta2 = 0.9, 0.999
    for step in range(1, steps + 1):
        residual = (softmax(hidden @ weight.T + bias) - targets) * share[:, None]
        gradients = [residual.T @ hidden + pull * (weight - anchor), residual.sum(axis=0)]
        for parameter, gradient, moment, square in zip((weight, bias), gradients, moments, squares):
            moment *= beta1
            moment += (1 - beta1) * gradient
            square *= beta2
            square += (1 - beta2) * gradient**2
            parameter -= learning_rate * (moment / (1 - beta1**step)) / (np.sqrt(square / (1 - beta2**step)) + 1e-8)
    return weight.astype(np.float64), bias.astype(np.float64)


def fit_temperature(logits: np.ndarray, right: np.ndarray, weights: np.ndarray) -> float:
    """The temperature in [0.1, 20] (a fine log grid) with the least weighted negative log-likelihood of the
    techniques that `right` (n, k) marks."""
    candidates = np.exp(np.linspace(np.log(0.1), np.log(20.0), 241))
    losses = [float((weights * -np.log(np.maximum((softmax(logits / t) * right).sum(axis=1), EPSILON))).sum())
              for t in candidates]
    return float(candidates[int(np.argmin(losses))])


def fit_platt(probabilities: np.ndarray, outcomes: np.ndarray, weights: np.ndarray,
              start: tuple[float, float] = (1.0, 0.0), ridge: float = 1.0) -> tuple[float, float]:
    """(slope, intercept) of sigmoid(slope * logit(p) + intercept) by weighted logistic regression (Newton's
    method), with a ridge of `ridge` pseudo-observations pulling towards `start`."""
    clipped = np.clip(probabilities, EPSILON, 1 - EPSILON)
    design = np.stack([np.log(clipped / (1 - clipped)), np.ones_like(clipped)], axis=1)
    anchor = np.asarray(start, dtype=np.float64)
    parameters = anchor.copy()
    for _ in range(50):
        predicted = 1 / (1 + np.exp(-(design @ parameters)))
        gradient = design.T @ (weights * (predicted - outcomes)) + ridge * (parameters - anchor)
        hessian = (design * (weights * predicted * (1 - predicted))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        parameters -= step
        if np.abs(step).max() < 1e-9:
            break
    return float(parameters[0]), float(parameters[1])


def span_outcomes(span_probability: np.ndarray, logits: np.ndarray, right: np.ndarray, temperature: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(probability, outcome) of found spans as the detector reports them before the span map: P(span) x
    P(best technique), and whether that technique is right for the span."""
    probabilities = softmax(logits / temperature)
    best = probabilities.argmax(axis=1)
    rows = np.arange(len(best))
    return span_probability * probabilities[rows, best], right[rows, best].astype(np.float64)

