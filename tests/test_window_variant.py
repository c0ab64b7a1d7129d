"""tools/window_variant.py: a detector copy that reads text in other windows, and still loads."""

import sys
from pathlib import Path

import pytest

from propaganda_lens.detect.detector import Detector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from window_variant import write_variant  # noqa: E402


def test_the_copy_reads_longer_windows_and_passes_its_checksums(tmp_path):
    write_variant("fast", 512, 448, tmp_path / "fast-w512")
    variant, shipped = Detector.from_disk(tmp_path / "fast-w512"), Detector.from_disk("fast")
    assert (variant.config.window_size, variant.config.window_stride) == (512, 448)
    assert variant.config.decoding == shipped.config.decoding
    text = "word " * 600  # three windows of 256 tokens, two of 512
    assert len(variant.run(text).windows) < len(shipped.run(text).windows)


@pytest.mark.parametrize("size, stride", [(1024, 448), (512, 511), (256, 0)])
def test_windows_the_encoders_cannot_read_are_refused(tmp_path, size, stride):
    with pytest.raises(ValueError, match="window"):
        write_variant("fast", size, stride, tmp_path / "variant")
    assert not (tmp_path / "variant").exists()
