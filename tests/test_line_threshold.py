"""The cut for lines scored alone (train/line_threshold.py): chosen on two eras of debates, measured nested, and
recorded with the shipped model; the `claims` command uses it, an analysis keeps the article threshold."""

import json

import numpy as np
import pytest

from conftest import SHARED, shared

pytest.importorskip("torch", reason="needs the train extra")

from propaganda_lens.claims import shipped_checkworthiness_model  # noqa: E402
from propaganda_lens.claims.checkworthiness import shipped_folder  # noqa: E402
from propaganda_lens.train.checkworthiness import SPLIT_FILES, positive_f1, read_sentences  # noqa: E402
from propaganda_lens.train.line_threshold import best_mean_cut, fold_of, nested_f1  # noqa: E402

CT24 = SHARED / "data" / "checkthat2024-task1-en"


def test_folds_are_blocks_of_consecutive_sentences():
    folds = fold_of(10, 4)
    assert folds.tolist() == sorted(folds.tolist()) and set(folds.tolist()) == {0, 1, 2, 3}
    assert max(np.bincount(folds)) - min(np.bincount(folds)) <= 1


def test_the_cut_serves_both_sets_on_average():
    """One set wants any cut up to 0.5, the other a cut under 0.2: the mean picks the lowest cut both like."""
    older = (np.array([0.9, 0.45, 0.05]), np.array([True, False, False]))
    newer = (np.array([0.15, 0.1, 0.02]), np.array([True, True, False]))
    assert best_mean_cut([older, newer]) == 0.1
    assert best_mean_cut([older]) == 0.5


def test_the_nested_figure_cuts_each_block_without_its_own_labels():
    older = (np.array([0.9, 0.45, 0.05]), np.array([True, False, False]))
    newer = (np.array([0.15, 0.1, 0.3, 0.02]), np.array([True, True, True, False]))
    result = nested_f1(older, newer, 2)
    assert len(result["cuts"]) == 2 and result["recall"] <= 1.0
    assert result["cuts"][1] == best_mean_cut([older, (newer[0][:2], newer[1][:2])])


def test_the_shipped_line_cut_is_the_recorded_one_and_reproduces_its_dev_test_figure():
    model = shipped_checkworthiness_model("accurate")
    recorded = json.loads((shipped_folder("accurate") / "evaluation.json").read_text())["line_threshold"]
    assert model.config.line_cut == recorded["cut"] < model.config.threshold
    sentences = read_sentences(shared(CT24, "the CheckThat! 2024 data") / SPLIT_FILES["dev-test"])
    scores = positive_f1(model.probabilities([s.text for s in sentences]), np.array([s.check_worthy for s in sentences]),
                         model.config.line_cut)
    assert scores["f1"] == pytest.approx(recorded["dev-test at cut"]["f1"], abs=1e-6)
    assert recorded["dev-test nested"]["f1"] > recorded["dev-test at threshold"]["f1"]


def test_the_claims_command_cuts_lines_at_the_line_threshold_and_analyses_at_the_article_one(tmp_path):
    from typer.testing import CliRunner

    from propaganda_lens.api import analyze
    from propaganda_lens.cli.main import app

    model = shipped_checkworthiness_model("accurate")
    lines = ["Unemployment fell to 3.5 percent last year.", "We have 12 charging stations in every county.",
             "I think we should talk about this.", "Adam Schiff's impeachment inquiry is incoherent."]
    source = tmp_path / "lines.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["claims", str(source), "--model", "accurate"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [row[1] == "Yes" for row in rows] == [float(row[2]) >= model.config.line_cut for row in rows]
    assert any(model.config.line_cut <= float(row[2]) < model.config.threshold for row in rows)  # the cuts differ here
    analysis = analyze(" ".join(lines), model="accurate")
    claims = [s for s in analysis.statements if s.kind == "claim"]
    assert all(s.probability >= model.config.threshold for s in claims)
