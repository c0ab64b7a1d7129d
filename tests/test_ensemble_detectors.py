"""tools/ensemble_detectors.py and the character alignment it shares with distillation."""

import sys
from pathlib import Path

import numpy as np
import pytest

from propaganda_lens.data import Span
from propaganda_lens.detect.detector import Detector, shipped_model_path
from propaganda_lens.detect.encoding import aligned_tag_probabilities, encode, load_tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from ensemble_detectors import ensemble_article  # noqa: E402

TEXT = ("The corrupt elites will destroy our nation, and they are traitors.\n"
        "Al Qaeda's so-called leaders never cared about quid pro quo deals.\n")


def test_tags_move_between_tokenizers_by_characters():
    mpnet = encode(load_tokenizer(shipped_model_path("ptc-mpnet") / "tokenizer.json"), TEXT)
    minilm = encode(load_tokenizer(shipped_model_path("ptc-minilm") / "tokenizer.json"), TEXT)
    probabilities = np.random.default_rng(0).dirichlet(np.ones(3), len(minilm)).astype(np.float32)
    assert np.array_equal(aligned_tag_probabilities(minilm, minilm, probabilities), probabilities)
    moved = aligned_tag_probabilities(mpnet, minilm, probabilities)
    assert moved.shape == (len(mpnet), 3)
    for token, (start, end) in enumerate(mpnet.offsets):
        first = int(np.flatnonzero((minilm.offsets[:, 1] > start) & (minilm.offsets[:, 0] < end))[0])
        assert np.array_equal(moved[token], probabilities[first])


def test_a_token_that_overlaps_nothing_gets_no_opinion():
    target = encode(load_tokenizer(shipped_model_path("ptc-minilm") / "tokenizer.json"), "war")
    empty = encode(load_tokenizer(shipped_model_path("ptc-minilm") / "tokenizer.json"), "")
    assert np.allclose(aligned_tag_probabilities(target, empty, np.zeros((0, 3), dtype=np.float32)), 1 / 3)


@pytest.fixture(scope="module")
def fast() -> Detector:
    return Detector.from_disk("fast")


def ranges(spans: list[Span]) -> list[tuple[int, int, str]]:
    return [(span.start, span.end, span.technique) for span in spans]


def test_a_model_averaged_with_itself_is_the_model(fast):
    gold = [Span(4, 19, "Loaded_Language"), Span(61, 69, "Name_Calling,Labeling"), Span(61, 69, "Doubt")]
    found, labelled = ensemble_article([fast, fast], [0.5, 0.5], TEXT, gold)
    assert found[0] and ranges(found[0]) == ranges(found[1])
    assert ranges(labelled[0]) == ranges(labelled[1])
    assert labelled[0][1].technique != labelled[0][2].technique  # a range listed twice gets two techniques


def test_a_member_of_weight_zero_changes_nothing(fast):
    accurate = Detector.from_disk("accurate")
    gold = [Span(4, 19, "Loaded_Language")]
    found, labelled = ensemble_article([accurate, fast], [1.0, 0.0], TEXT, gold)
    assert ranges(found[0]) == ranges(found[1]) != ranges(found[2])
    assert ranges(labelled[0]) == ranges(labelled[1])
