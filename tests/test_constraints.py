"""The installed heavy dependencies are those constraints.txt pins (what the figures were measured with), and
torch's pin is the version the shipped span heads were exported with."""

from importlib import metadata
from pathlib import Path

import pytest

from propaganda_lens.detect.detector import shipped_model_path

CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"


def pins() -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines())
    return dict(line.split("==") for line in lines if line)


def test_the_installed_versions_are_the_pinned_ones():
    wrong = {}
    for name, version in pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed.split("+")[0] != version:  # torch's CPU build is 2.13.0+cpu
            wrong[name] = f"{installed}, pinned {version}"
    assert not wrong, f"install with: pip install -c constraints.txt -e '.[test,train]' ({wrong})"


@pytest.mark.parametrize("model", ["ptc-minilm", "ptc-mpnet"])
def test_torch_is_pinned_at_the_version_that_exported_the_span_heads(model):
    onnx = pytest.importorskip("onnx", reason="needs the train extra")
    head = onnx.load(str(shipped_model_path(model) / "span_head.onnx"))
    assert (head.producer_name, head.producer_version) == ("pytorch", pins()["torch"])
