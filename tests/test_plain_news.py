"""The plain-news evaluation set (evaluation/plain-news) and its benchmark (benchmarks/plain_news.py)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "evaluation" / "plain-news"
SCRIPT = ROOT / "benchmarks" / "plain_news.py"
TEXTS = sorted(SET.glob("*.txt"))


def run_script(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=600)


def test_the_set_has_at_least_30_texts_and_a_readme():
    assert len(TEXTS) >= 30
    assert (SET / "README.md").is_file()


@pytest.mark.parametrize("path", TEXTS, ids=lambda path: path.name)
def test_each_text_is_utf8_with_a_headline_and_100_to_400_words(path):
    text = path.read_bytes().decode("utf-8")  # raises on anything but UTF-8
    headline, _, body = text.partition("\n")
    assert headline.strip() and len(headline.split()) <= 20, "the first line is a headline"
    assert not headline.rstrip().endswith("."), "a headline is not a sentence ending in a full stop"
    assert body.strip(), "a body follows the headline"
    assert 100 <= len(text.split()) <= 400


def test_the_benchmark_reports_the_detector_own_rate_on_two_texts(tmp_path):
    from propaganda_lens.detect.detector import Detector
    from propaganda_lens.report.html import UNCERTAIN_BELOW

    folder = tmp_path / "texts"
    folder.mkdir()
    chosen = [SET / "courts-04.txt", SET / "music-01.txt"]  # the ones with the most near misses (README)
    for path in chosen:
        shutil.copy(path, folder / path.name)
    # a low span threshold so that the fast model returns spans on plain news, and the count is not 0
    result = run_script("--model", "fast", "--texts", str(folder), "--threshold", "0.1", "--json", str(tmp_path / "out.json"))
    assert result.returncode == 0, result.stderr
    assert "spans/1,000 words" in result.stdout
    figures = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert set(figures) == {"fast"} and figures["fast"]["span_threshold"] == 0.1

    detector = Detector.from_disk("fast")
    texts = [path.read_text(encoding="utf-8") for path in chosen]
    words = sum(len(text.split()) for text in texts)
    spans = [span for text in texts for span in detector.find_spans(text, threshold=0.1)]
    shown = [span for span in spans if span.probability is None or span.probability >= UNCERTAIN_BELOW]
    assert spans, "the check needs spans to count"
    for key, expected in (("all", spans), ("shown_by_default", shown)):
        row = figures["fast"][key]
        assert (row["texts"], row["words"], row["spans"]) == (2, words, len(expected))
        assert row["spans_per_1000_words"] == pytest.approx(len(expected) / words * 1000)
        assert row["spans_per_text"] == pytest.approx(len(expected) / 2)
    counted = sum(entry["count"] for entry in figures["fast"]["all"]["top_span_texts"])
    assert 0 < counted <= len(spans)


def test_the_benchmark_refuses_an_empty_folder_in_one_line(tmp_path):
    result = run_script("--model", "fast", "--texts", str(tmp_path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"error: no .txt files in {tmp_path}"]
