"""The command-line contract: predict, classify-spans, evaluate, analyze, and one-line user errors."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import assert_one_line_error
from propaganda_lens.cli.main import app
from propaganda_lens.ingest.ptc import read_labels

runner = CliRunner()
DEV_IDS = ("730269378", "738361208")


@pytest.fixture(scope="module")
def two_articles(ptc_folder, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    for article_id in DEV_IDS:
        shutil.copy(ptc_folder / "dev-articles" / f"article{article_id}.txt", folder)
    return folder


def test_predict_flc_and_si_write_ptc_rows(two_articles, tmp_path):
    for task, columns in (("flc", 4), ("si", 3)):
        out = tmp_path / f"{task}.txt"
        result = runner.invoke(app, ["predict", str(two_articles), "--task", task, "-o", str(out)])
        assert result.exit_code == 0, result.output
        rows = [line.split("\t") for line in out.read_text().splitlines()]
        assert rows and all(len(row) == columns and row[0] in DEV_IDS for row in rows)


def test_classify_spans_fills_the_template(two_articles, ptc_folder, tmp_path):
    gold = read_labels(ptc_folder / "dev-task-flc-tc.labels")
    template = tmp_path / "template.txt"
    template.write_text(
        "".join(f"{i}\t?\t{s.start}\t{s.end}\n" for i in DEV_IDS for s in gold[i]), encoding="utf-8"
    )
    out = tmp_path / "tc.txt"
    result = runner.invoke(app, ["classify-spans", str(two_articles), "--spans", str(template), "-o", str(out)])
    assert result.exit_code == 0, result.output
    predicted = read_labels(out)
    assert sum(map(len, predicted.values())) == sum(len(gold[i]) for i in DEV_IDS)
    assert all(span.technique for spans in predicted.values() for span in spans)

    score = runner.invoke(app, ["evaluate", "--task", "tc", "--gold", str(ptc_folder / "dev-task-flc-tc.labels"), "--pred", str(out)])
    assert score.exit_code == 0
    assert "Loaded_Language" in score.output and "TC scores" in score.output


def scores_row(output: str) -> list[str]:
    """The precision, recall and F1 of `evaluate`'s "all" row."""
    row = next(line for line in output.splitlines() if re.search(r"\ball\b", line))
    return re.findall(r"\d\.\d{4}", row)


def test_evaluate_perfect_si_is_one_and_half_the_articles_halve_recall(ptc_folder, tmp_path):
    gold = ptc_folder / "dev-task-si.labels"
    result = runner.invoke(app, ["evaluate", "--task", "si", "--gold", str(gold), "--pred", str(gold)])
    assert result.exit_code == 0
    assert scores_row(result.output) == ["1.0000", "1.0000", "1.0000"]
    labels = read_labels(gold)
    kept = sorted(labels)[: len(labels) // 2]
    half = tmp_path / "half.labels"
    half.write_text("".join(f"{i}\t{s.start}\t{s.end}\n" for i in kept for s in labels[i]), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--task", "si", "--gold", str(gold), "--pred", str(half)])
    precision, recall, f1 = map(float, scores_row(result.output))
    assert precision == 1.0 and 0.2 < recall < 0.8 and f1 == pytest.approx(2 * recall / (1 + recall), abs=1e-4)


def test_analyze_json_has_spans_inside_the_text(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("The corrupt, lying elites will destroy our great nation. We must act now!", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(article), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = data["article"]["text"]
    assert data["spans"]  # the default model marks this text
    for span in data["spans"]:
        assert text[span["start"] : span["end"]] == span["text"]


def test_analyze_reads_stdin():
    result = runner.invoke(app, ["analyze", "-", "--format", "json"], input="They are cowards and traitors.")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["article"]["id"] == "stdin"


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (["predict", "/no/such/folder", "-o", "x"], "not a folder"),
        (["analyze", "/no/such/file.txt"], "no such file"),
        (["evaluate", "--task", "si", "--gold", "/no/such", "--pred", "/no/such"], "no label file"),
        (["train", "--ptc", "x", "-o", "x", "--window-size", "100", "--train-window-stride", "99"], "must be 1 to 98 tokens"),
        # the training stride follows the window by default (100 less 64): the window passes, the folder does not
        (["train", "--ptc", "x", "-o", "x", "--window-size", "100"], "x/train-articles: not a folder"),
        (["train", "--ptc", "x", "-o", "x", "--window-size", "512", "--train-window-stride", "600"], "1 to 510"),
    ],
)
def test_user_errors_are_one_line(arguments, fragment):
    assert_one_line_error(runner.invoke(app, arguments), fragment)


def test_malformed_prediction_file_names_the_line(tmp_path, ptc_folder):
    bad = tmp_path / "bad.txt"
    bad.write_text("123\tLoaded_Language\t5\n")
    result = runner.invoke(app, ["evaluate", "--task", "flc", "--gold", str(ptc_folder / "dev-task-flc-tc.labels"), "--pred", str(bad)])
    assert_one_line_error(result, "bad.txt:1")


def test_a_batch_goes_on_past_a_bad_article(two_articles, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(two_articles, folder)
    (folder / "article999.txt").write_bytes(b"caf\xe9 au lait")
    out = tmp_path / "out.txt"
    result = runner.invoke(app, ["predict", str(folder), "-o", str(out)])
    assert result.exit_code == 1
    assert "article999.txt" in result.stderr and "Traceback" not in result.output
    assert {row.split("\t")[0] for row in out.read_text().splitlines()} == set(DEV_IDS)


def test_classify_spans_reports_bad_rows_and_keeps_the_rest(two_articles, tmp_path):
    template = tmp_path / "template.txt"
    template.write_text(f"{DEV_IDS[0]}\t?\t0\t5\n{DEV_IDS[1]}\t?\t0\t999999\n555\t?\t0\t4\n", encoding="utf-8")
    out = tmp_path / "tc.txt"
    result = runner.invoke(app, ["classify-spans", str(two_articles), "--spans", str(template), "-o", str(out)])
    assert result.exit_code == 1
    assert "past the end" in result.stderr and "555" in result.stderr
    assert [row.split("\t")[0] for row in out.read_text().splitlines()] == [DEV_IDS[0]]


def test_error_text_is_not_read_as_markup(tmp_path):
    missing = tmp_path / "[bold]notes[/bold].txt"
    result = runner.invoke(app, ["analyze", str(missing)])
    assert_one_line_error(result, "[bold]notes[/bold].txt")


def test_training_commands_report_a_wrong_data_folder_in_one_line(tmp_path):
    pytest.importorskip("torch", reason="needs the train extra")
    assert_one_line_error(runner.invoke(app, ["export", str(tmp_path), "--ptc", str(tmp_path), "-o", str(tmp_path / "m")]), "checkpoint.pt")
    result = runner.invoke(app, ["train", "--ptc", str(tmp_path / "nowhere"), "-o", str(tmp_path / "run")])
    assert_one_line_error(result, "nowhere")


def test_tables_in_a_pipe_are_tab_separated_and_never_cut():
    result = subprocess.run([sys.executable, "-m", "propaganda_lens", "models"], capture_output=True,
                            text=True, env={**os.environ, "COLUMNS": "80"}, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["name", "folder", "weights", "SI F1", "TC F1", "speed", "size", "claim model", "use"]
    assert len(lines) == 3 and all(line.count("\t") == 8 for line in lines) and "…" not in result.stdout
    assert "for reading and checking articles" in result.stdout  # the whole 'use' text
