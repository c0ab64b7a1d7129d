"""The shipped int8 models give the same integers on every CPU (onnx_int8): weights that would saturate
onnxruntime's uint8 x int8 kernels on x86 CPUs without VNNI are rewritten as uint8 at load."""

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from propaganda_lens import onnx_int8
from propaganda_lens.claims.checkworthiness import CheckworthinessModel, shipped_folder
from propaganda_lens.detect.detector import Detector, model_folder
from propaganda_lens.onnx_int8 import inference_session, without_int8_weights

CPU = ["CPUExecutionProvider"]
EXACT_HERE = onnx_int8.cpu_multiplies_int8_exactly()


def matmul_integer_model(weights: np.ndarray, zero_points: np.ndarray | None) -> onnx.ModelProto:
    """uint8 activations [n, k] times an int8 weight initializer [k, m] (zero point per column, or none)."""
    inputs = ["activations", "weights"] + (["", "weight_zero_points"] if zero_points is not None else [])
    initializers = [numpy_helper.from_array(weights, "weights")]
    if zero_points is not None:
        initializers.append(numpy_helper.from_array(zero_points, "weight_zero_points"))
    node = helper.make_node("MatMulInteger", inputs, ["product"])
    graph = helper.make_graph(
        [node], "matmul",
        [helper.make_tensor_value_info("activations", TensorProto.UINT8, ["n", weights.shape[0]])],
        [helper.make_tensor_value_info("product", TensorProto.INT32, ["n", weights.shape[1]])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("with_zero_points", [True, False])
def test_the_rewritten_model_gives_the_exact_integer_product(tmp_path, with_zero_points):
    # Pairs of 255 x 127 sum to 64,770: past the 16-bit saturation of VPMADDUBSW (32,767).
    rng = np.random.default_rng(0)
    weights = np.full((64, 8), 127, dtype=np.int8)
    weights[:, 4:] = rng.integers(-128, 128, size=(64, 4), dtype=np.int8)
    zero_points = np.array([0, 0, -3, 5, 0, 1, -1, 2], dtype=np.int8) if with_zero_points else None
    path = tmp_path / "matmul.onnx"
    onnx.save(matmul_integer_model(weights, zero_points), str(path))
    activations = np.full((3, 64), 255, dtype=np.uint8)
    activations[1] = rng.integers(0, 256, size=64, dtype=np.uint8)

    session = inference_session(path, onnxruntime.SessionOptions(), CPU, exact=False)
    (product,) = session.run(None, {"activations": activations})

    centred = weights.astype(np.int64) - (zero_points.astype(np.int64) if with_zero_points else 0)
    assert np.array_equal(product, activations.astype(np.int64) @ centred)
    assert product[0, 0] == 64 * 255 * 127


def test_rewriting_leaves_no_int8_weight_in_a_saturating_operator():
    for path in (model_folder("accurate") / "encoder.onnx", model_folder("fast") / "encoder.onnx"):
        model = onnx.load(str(path))
        int8_before = {t.name for t in model.graph.initializer if t.data_type == TensorProto.INT8}
        rewritten = without_int8_weights(model)
        initializers = {t.name: t for t in model.graph.initializer}
        weights = [node.input[at] for node in model.graph.node
                   for at in onnx_int8.WEIGHT_INPUTS.get((node.domain, node.op_type), ())
                   if len(node.input) > at and node.input[at] in initializers]
        assert rewritten > 0 and weights
        assert all(initializers[name].data_type == TensorProto.UINT8 for name in weights)
        # int8 weights that no saturating operator reads (a quantized Gather's table) stay as they were.
        assert {t.name for t in model.graph.initializer if t.data_type == TensorProto.INT8} < int8_before


@pytest.fixture
def cpu_without_vnni(monkeypatch):
    """Load models as on an x86 CPU without VNNI."""
    monkeypatch.setattr(onnx_int8, "cpu_multiplies_int8_exactly", lambda: False)


def test_the_detector_on_a_cpu_without_vnni_gives_what_a_vnni_cpu_gives(monkeypatch, example_article):
    text = example_article.read_text(encoding="utf-8")
    plain_spans = Detector.from_disk("fast").find_spans(text)
    monkeypatch.setattr(onnx_int8, "cpu_multiplies_int8_exactly", lambda: False)
    spans = Detector.from_disk("fast").find_spans(text)
    assert len(spans) >= 5  # on a CPU without VNNI the int8 weights gave almost none
    if EXACT_HERE:  # this CPU multiplies the int8 weights exactly too: the same spans
        assert [(s.start, s.end, s.technique) for s in spans] == [(s.start, s.end, s.technique) for s in plain_spans]
        assert np.allclose([s.probability for s in spans], [s.probability for s in plain_spans], atol=1e-4)


def test_the_claim_model_on_a_cpu_without_vnni_scores_as_a_vnni_cpu(cpu_without_vnni):
    sentences = ["Unemployment fell to 3.5 percent in October, the lowest rate since 1969.", "I love this song."]
    for folder in (shipped_folder("accurate"), shipped_folder("fast")):
        rewritten = CheckworthinessModel.from_disk(folder).probabilities(sentences)
        assert rewritten[0] > 0.5 > rewritten[1]
