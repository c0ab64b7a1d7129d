"""tools/decoding_folds.py: each fold is predicted with the knob that is best on the other folds."""

import sys
from pathlib import Path

from propaganda_lens.data import Span
from propaganda_lens.scoring import score_si

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from decoding_folds import cross_validated, f1  # noqa: E402

GOLD = {article: [Span(0, 10)] for article in "abcd"}
RIGHT, WRONG = [Span(0, 10)], [Span(50, 60)]


def test_a_fold_never_chooses_its_own_knob():
    # knob x finds the span of a and b, knob y that of c and d: each half chooses the other half's knob
    outcomes = {"x": {"a": RIGHT, "b": RIGHT, "c": WRONG, "d": WRONG},
                "y": {"a": WRONG, "b": WRONG, "c": RIGHT, "d": RIGHT}}
    pooled, chosen = cross_validated(outcomes, score_si, GOLD, [["a", "b"], ["c", "d"]])
    assert chosen == ["y", "x"]
    assert pooled == {"a": WRONG, "b": WRONG, "c": WRONG, "d": WRONG}
    assert f1(score_si, GOLD, pooled, list("abcd")) == 0.0 < f1(score_si, GOLD, outcomes["x"], list("abcd"))


def test_a_knob_best_on_most_folds_predicts_them_all():
    outcomes = {"x": {"a": RIGHT, "b": RIGHT, "c": RIGHT, "d": WRONG},
                "y": {"a": WRONG, "b": WRONG, "c": WRONG, "d": RIGHT}}
    pooled, chosen = cross_validated(outcomes, score_si, GOLD, [["a"], ["b"], ["c"], ["d"]])
    assert chosen == ["x"] * 4 and pooled == outcomes["x"]
