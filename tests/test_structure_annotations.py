"""The hand-annotated structure sets are well-formed, the checker finds what is wrong, and the agreement tool
gives 1 for a file against itself."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import annotation_agreement  # noqa: E402
import check_structure_annotations  # noqa: E402
import score_structure  # noqa: E402

SECOND = score_structure.ANNOTATIONS.parent / "second-annotation.jsonl"
PENDING = score_structure.ANNOTATIONS.parent / "pending-batch6.jsonl"  # the sixth batch's tuning part, not fitted on


def test_the_shipped_sets_are_well_formed_and_disjoint(ptc_folder):
    files = [score_structure.ANNOTATIONS, *score_structure.LOCKED_SETS, SECOND, PENDING]
    assert [problem for path in files for problem in check_structure_annotations.file_problems(path, ptc_folder)] == []
    tuning = annotation_agreement.records([score_structure.ANNOTATIONS])
    locked = annotation_agreement.records([score_structure.LOCKED])
    locked_batch3 = annotation_agreement.records([score_structure.LOCKED_BATCH3])
    later = [annotation_agreement.records([path]) for path in
             (score_structure.LOCKED_BATCH4, score_structure.LOCKED_BATCH5, score_structure.LOCKED_BATCH6)]
    pending = annotation_agreement.records([PENDING])
    assert len(tuning) == 128 and len(locked) == 24 and len(locked_batch3) == 23 and len(pending) == 12
    assert [len(records) for records in later] == [13, 10, 5]
    held_out = locked.keys() | locked_batch3.keys() | set().union(*(records.keys() for records in later))
    assert not (tuning.keys() | pending.keys()) & held_out and not tuning.keys() & pending.keys()
    assert all(relation.get("quote") for record in tuning.values() for relation in record["relations"])


@pytest.mark.parametrize("batch, locked", [
    ("batch3.tsv", score_structure.LOCKED_BATCH3), ("batch4.tsv", score_structure.LOCKED_BATCH4),
    ("batch5.tsv", score_structure.LOCKED_BATCH5), ("batch6.tsv", score_structure.LOCKED_BATCH6),
])
def test_the_later_batches_were_split_as_chosen_before_annotation(batch, locked):
    """evaluation/structure/batch3.tsv to batch6.tsv (tools/pick_structure_articles.py, committed before any
    annotation) decide which of their articles are locked."""
    chosen = dict(line.split("\t") for line in (score_structure.ANNOTATIONS.parent / batch).read_text().splitlines())
    tuning = annotation_agreement.records([score_structure.ANNOTATIONS, PENDING])
    assert {article for article, part in chosen.items() if part == "locked"} == annotation_agreement.records([locked]).keys()
    assert {article for article, part in chosen.items() if part == "tuning"} <= tuning.keys()


def test_the_checker_reports_each_problem(ptc_folder, tmp_path):
    record = {"article": "article111111111", "split": "train",
              "actors": [{"name": "Iran", "kind": "nation"}],
              "relations": [{"source": "Iran", "polarity": "backs", "target": "Iraq", "modality": "asserted",
                             "quote": "the"}],
              "predictions": ["no such words in the text"]}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record) + "\nnot json\n", encoding="utf-8")
    problems = "\n".join(check_structure_annotations.file_problems(path, ptc_folder))
    for expected in ("kind must be", "target 'Iraq' is not", "polarity must be", "occurs 0 times", "not JSON",
                     "relation quote of"):
        assert expected in problems


def test_an_annotation_agrees_with_itself(ptc_folder):
    second = annotation_agreement.records([SECOND])
    tallies = annotation_agreement.agreement(second, second, ptc_folder)
    assert all(tally.row()["f1"] == 1.0 for tally in tallies.values())


TOOL_COMMANDS = [["score_structure.py", "--errors"], ["fit_relation_model.py", "--dry-run"],
                 ["fit_relation_encoder.py", "--dry-run", "--output", "unused"]]


def refuses(command: list[str], annotations: Path) -> bool:
    """Whether the tool stops at once with the one-line locked-set error."""
    import subprocess

    tool, *options = command
    result = subprocess.run([sys.executable, str(Path(score_structure.__file__).parent / tool), "--annotations",
                             str(annotations), *options], capture_output=True, text=True, timeout=120)
    return result.returncode == 1 and result.stderr.startswith("error:") and "locked set" in result.stderr


@pytest.mark.parametrize("locked", score_structure.LOCKED_SETS)
@pytest.mark.parametrize("command", TOOL_COMMANDS)
def test_no_tool_reads_a_locked_sets_errors_or_fits_on_it(locked, command):
    assert refuses(command, locked)


@pytest.mark.parametrize("command", TOOL_COMMANDS)
def test_a_renamed_copy_or_a_pool_with_a_locked_article_is_refused_too(command, tmp_path):
    tuning = score_structure.ANNOTATIONS.read_text(encoding="utf-8").splitlines()
    one_locked = score_structure.LOCKED_BATCH5.read_text(encoding="utf-8").splitlines()[0]
    pooled = tmp_path / "tuning-plus.jsonl"
    pooled.write_text("\n".join([*tuning[:3], one_locked]) + "\n", encoding="utf-8")
    assert refuses(command, pooled)
    assert not score_structure.is_locked(score_structure.ANNOTATIONS)
