"""Check-worthiness and statements: the shipped model, the `claims` command (CheckThat! TSV and plain lines)
and the claims stage of a full analysis."""

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from conftest import SHARED, assert_one_line_error, shared
from propaganda_lens.claims import shipped_checkworthiness_model
from propaganda_lens.cli.claims import sentences_of
from propaganda_lens.cli.main import app

runner = CliRunner()
CT24 = SHARED / "data" / "checkthat2024-task1-en"


def test_the_shipped_model_separates_claims_from_other_talk():
    model = shipped_checkworthiness_model()
    claim, chatter = model.probabilities([
        "Unemployment rose by 4 percent in the last two years, and 3 million jobs were lost.",
        "Thank you very much, it is good to be here tonight.",
    ])
    assert claim > model.config.threshold > chatter


@pytest.mark.parametrize("detector", ["accurate", "fast"])
def test_the_model_card_figures_are_what_the_shipped_model_scores_on_dev_test(detector):
    import json

    from propaganda_lens.claims.checkworthiness import shipped_folder
    from propaganda_lens.train.checkworthiness import SPLIT_FILES, positive_f1, read_sentences

    import numpy as np

    data = shared(CT24, "the CheckThat! 2024 data")
    evaluation = json.loads((shipped_folder(detector) / "evaluation.json").read_text())
    sentences = read_sentences(data / SPLIT_FILES["dev-test"])
    model = shipped_checkworthiness_model(detector)
    scores = positive_f1(model.probabilities([s.text for s in sentences]), np.array([s.check_worthy for s in sentences]),
                         model.config.threshold)
    assert scores["f1"] == pytest.approx(evaluation["dev-test"]["f1"], abs=1e-6)


def test_claims_command_writes_checkthat_rows_for_a_tsv(tmp_path):
    source = tmp_path / "sentences.tsv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerows([("Sentence_id", "Text"), ("7", "The deficit tripled under his watch."), ("9", 'He said "hello".')])
    output = tmp_path / "scores.tsv"
    result = runner.invoke(app, ["claims", str(source), "-o", str(output)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in output.read_text().splitlines()]
    assert [row[0] for row in rows] == ["7", "9"]
    assert all(row[1] in ("Yes", "No") and 0 <= float(row[2]) <= 1 for row in rows)


def test_claims_command_numbers_plain_lines_and_skips_blank_ones(tmp_path):
    source = tmp_path / "sentences.txt"
    source.write_text("Taxes went up 10 percent.\n\nI love this country.\n", encoding="utf-8")
    result = runner.invoke(app, ["claims", str(source)])
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["1", "3"]


@pytest.mark.parametrize("content, fragment", [
    (b"", "no sentences"),
    (b"\n\n  \n", "no sentences"),
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (b"Sentence_id\tText\n1\n", "expected the 2 columns"),
])
def test_claims_command_bad_input_is_one_line(tmp_path, content, fragment):
    source = tmp_path / "input.txt"
    source.write_bytes(content)
    output = tmp_path / "out.tsv"
    result = runner.invoke(app, ["claims", str(source), "-o", str(output)])
    assert_one_line_error(result, fragment)
    assert not output.exists()  # nothing half written


def test_claims_command_on_a_missing_file_is_one_line(tmp_path):
    assert_one_line_error(runner.invoke(app, ["claims", str(tmp_path / "nope.tsv")]), "no such file")


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_reads_as_sentences_or_a_clear_error(text):
    import io

    try:
        pairs = list(sentences_of(io.BytesIO(text.encode("utf-8", "surrogatepass"))))
    except ValueError:
        return
    assert all(isinstance(sentence_id, str) and isinstance(sentence, str) for sentence_id, sentence in pairs)


def test_an_analysis_has_scored_sentences_and_statements(example_article):
    from propaganda_lens.api import analyze

    analysis = analyze(Path(example_article))
    assert all(sentence.checkworthiness is not None for sentence in analysis.sentences)
    text = analysis.article.text
    predictions = [text[s.start : s.end] for s in analysis.statements if s.kind == "prediction"]
    assert any("Haftar will succeed in taking Derna" in sentence for sentence in predictions)
    assert any("doomed to failure" in sentence for sentence in predictions)
    hedges = {text[s.hedge[0] : s.hedge[1]] for s in analysis.statements if s.hedge}
    assert {"will", "doomed"} <= hedges
    claims = [s for s in analysis.statements if s.kind == "claim"]
    assert claims and all(s.probability >= shipped_checkworthiness_model().config.threshold for s in claims)
    declared = [s for s in analysis.statements if s.source and text[s.source[0] : s.source[1]] == "Haftar"]
    assert declared and all(s.source_actor is not None for s in declared)


def test_a_model_loads_once_when_threads_ask_for_it_together():
    import threading
    import time

    from propaganda_lens.loading import loaded_once

    loads = []

    @loaded_once
    def slow_model():
        loads.append(1)
        time.sleep(0.2)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(slow_model())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(result) for result in results}) == 1


def test_each_detector_has_its_claim_model_and_analyses_use_it(example_article):
    from propaganda_lens.api import analyze
    from propaganda_lens.claims.checkworthiness import shipped_folder

    assert shipped_folder("accurate") == shipped_folder("ptc-mpnet") == shipped_folder(None) == shipped_folder("/my/model")
    assert shipped_folder("accurate").name == "checkworthiness-mpnet"
    assert shipped_folder("fast") == shipped_folder("ptc-minilm") and shipped_folder("fast").name == "checkworthiness-minilm"
    for name in ("accurate", "fast"):
        analysis = analyze(Path(example_article), model=name)
        scored = [s for s in analysis.sentences if s.checkworthiness]
        expected = shipped_checkworthiness_model(name).probabilities(
            [analysis.article.text[s.start : s.end] for s in scored])
        assert [s.checkworthiness for s in scored] == [round(float(p), 4) for p in expected]


def test_claims_command_takes_a_detectors_claim_model(tmp_path):
    source = tmp_path / "sentences.txt"
    source.write_text("The deficit tripled under his watch.\nThank you all for coming.\n", encoding="utf-8")
    scores = {}
    for name in ("accurate", "fast"):
        result = runner.invoke(app, ["claims", str(source), "--model", name])
        assert result.exit_code == 0, result.output
        scores[name] = [line.split("\t")[2] for line in result.stdout.splitlines()]
    assert scores["accurate"] != scores["fast"]
    assert_one_line_error(runner.invoke(app, ["claims", str(source), "--model", "huge"]), "the shipped models are")

