"""Int8 ONNX models that compute the same integers on every x86 CPU.

onnxruntime multiplies uint8 activations by int8 weights with VPMADDUBSW on x86 CPUs without VNNI (AVX2 and
AVX-512 without VNNI): the instruction adds each pair of 8-bit products into a signed 16-bit integer that
saturates, so a pair such as 255 x 127 + 255 x 127 gives 32,767 instead of 64,770. On such a CPU the shipped
int8 encoders find almost no spans. The same weights stored as uint8 with their zero point raised by 128 hold the
same integers, and onnxruntime then uses its uint8 x uint8 kernels, which widen to 16 bits before they multiply
and never saturate: identical to what a VNNI CPU computes with the int8 weights, only slower. So a model is
rewritten, in memory, only on an x86 CPU that is not known to have VNNI.
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import numpy as np

# Operators whose int8 weight saturates, with the positions of their weight and its zero point.
WEIGHT_INPUTS = {
    ("", "MatMulInteger"): (1, 3),
    ("com.microsoft", "QAttention"): (1, 7),
}
X86_MACHINES = {"x86_64", "amd64", "i386", "i686", "x86"}
VNNI_FLAGS = {"avx512_vnni", "avx_vnni"}


@functools.cache
def cpu_multiplies_int8_exactly() -> bool:
    """True where onnxruntime's uint8 x int8 products cannot saturate: not x86, or an x86 CPU with VNNI (read
    from /proc/cpuinfo; where that cannot be read, an x86 CPU is assumed to lack VNNI)."""
    if platform.machine().lower() not in X86_MACHINES:
        return True
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return bool(VNNI_FLAGS & set(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return False


def without_int8_weights(model) -> int:
    """Rewrite `model` (an onnx.ModelProto) in place so that no saturating operator takes an int8 weight: each
    int8 weight and its zero point become uint8, raised by 128. Returns how many weights were rewritten."""
    from onnx import TensorProto, numpy_helper

    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    rewritten: dict[str, str] = {}

    def as_uint8(name: str) -> str:
        if name not in rewritten:
            values = numpy_helper.to_array(initializers[name]).astype(np.int16) + 128
            tensor = numpy_helper.from_array(values.astype(np.uint8), f"{name}_as_uint8")
            graph.initializer.append(tensor)
            rewritten[name] = tensor.name
        return rewritten[name]

    count = 0
    for node in graph.node:
        positions = WEIGHT_INPUTS.get((node.domain or "", node.op_type))
        if positions is None:
            continue
        weight_at, zero_point_at = positions
        weight = initializers.get(node.input[weight_at]) if len(node.input) > weight_at else None
        if weight is None or weight.data_type != TensorProto.INT8:
            continue
        zero_point_name = node.input[zero_point_at] if len(node.input) > zero_point_at else ""
        if zero_point_name and zero_point_name not in initializers:
            continue  # a zero point computed at run time: leave the node as it is
        if zero_point_name:
            zero_point = as_uint8(zero_point_name)
        else:  # an absent zero point is 0 in int8, so 128 in uint8
            zero_point = f"{node.name or weight.name}_zero_point_as_uint8"
            graph.initializer.append(numpy_helper.from_array(np.array(128, dtype=np.uint8), zero_point))
        while len(node.input) <= zero_point_at:
            node.input.append("")
        node.input[weight_at] = as_uint8(weight.name)
        node.input[zero_point_at] = zero_point
        count += 1
    still_used = {name for node in graph.node for name in node.input}
    for name in rewritten:
        if name not in still_used:
            graph.initializer.remove(initializers[name])
    return count


def inference_session(path: Path, options, providers: list[str], exact: bool | None = None):
    """An onnxruntime.InferenceSession of the model at `path` that gives the same integers on every CPU: the
    model is rewritten in memory (`without_int8_weights`) unless `exact` (by default, whether this CPU multiplies
    int8 weights exactly) says there is no need."""
    import onnxruntime

    if exact is None:
        exact = cpu_multiplies_int8_exactly()
    if not exact:
        import onnx
        from google.protobuf.message import DecodeError

        try:
            model = onnx.load(str(path))
        except (OSError, ValueError, DecodeError):
            model = None  # onnxruntime reports what is wrong with the file, below
        if model is not None and without_int8_weights(model):
            return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=providers)
    return onnxruntime.InferenceSession(str(path), options, providers=providers)
