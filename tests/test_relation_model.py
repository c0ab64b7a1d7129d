"""The relation head (actors/relation_model.py): the shipped weights are what tools/fit_relation_model.py
fits on the tuning set, and the head adds relations where the rules find none."""

import json
import sys
from pathlib import Path

import numpy
import pytest

from propaganda_lens.actors.relation_model import HEAD, Pair, best_per_pair, combined, relation_head
from propaganda_lens.data import Relation

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import fit_relation_model  # noqa: E402
from conftest import actors_and_relations  # noqa: E402


def relations_of(text: str, learned: bool) -> set[tuple[str, str, str]]:
    return {relation[:3] for relation in actors_and_relations(text, relation_head() if learned else None)[1]}


def test_the_shipped_head_is_what_the_fit_tool_makes(ptc_folder):
    """Refit with the knobs the tool's cross-validation chose (stored with the head): the same weights."""
    with numpy.load(HEAD) as stored:
        weights, strength, class_weight = stored["weights"], float(stored["strength"]), float(stored["class_weight"])
    articles = fit_relation_model.articles(fit_relation_model.score_structure.ANNOTATIONS, ptc_folder)
    refitted = fit_relation_model.fit(*fit_relation_model.stacked(articles), strength, class_weight)
    assert numpy.array_equal(refitted.astype(numpy.float16), weights)


def test_the_head_finds_a_relation_the_rules_miss():
    text = "Mitt Romney said he will do whatever it takes to block Brett Kavanaugh."
    expected = ("Mitt Romney", "opposes", "Brett Kavanaugh")
    assert relation_head() is not None
    assert expected not in relations_of(text, learned=False)
    assert expected in relations_of(text, learned=True)


def test_a_pair_named_in_several_sentences_adds_up_their_evidence_by_noisy_or():
    """Three sentences, 0.2, 0.2 and 0.1 hostile: their best is 0.2, their noisy-or 0.424; the evidence is the first
    of the strongest."""
    pairs = [Pair("a", "b", sentence, anchor=sentence, features=()) for sentence in range(3)]
    probability = numpy.array([[0.7, 0.1, 0.2], [0.75, 0.05, 0.2], [0.9, 0.0, 0.1]])
    polarity, score, evidence = best_per_pair(pairs, probability, "max")[("a", "b")]
    assert (polarity, evidence.sentence) == ("opposes", 0) and score == pytest.approx(0.2)
    polarity, score, evidence = best_per_pair(pairs, probability, "noisy-or")[("a", "b")]
    assert (polarity, evidence.sentence) == ("opposes", 0) and score == pytest.approx(1 - 0.8 * 0.8 * 0.9)
    _, alone, _ = best_per_pair(pairs[:1], probability[:1], "noisy-or")[("a", "b")]
    assert alone == pytest.approx(0.2)  # one sentence: the two agree


def test_fill_adds_only_pairs_the_rules_leave_unrelated():
    rule = Relation("a", "b", "supports", "asserted", (0, 5), ())
    learned = [Relation("b", "a", "opposes", "asserted", (0, 5), ()), Relation("a", "c", "opposes", "asserted", (0, 5), ())]
    assert combined([rule], learned, "fill") == [rule, learned[1]]
    assert combined([rule], learned, "union") == [rule, *learned]



def test_the_head_learns_a_relation_only_from_the_sentence_its_quote_is_in(tmp_path):
    """A pair of actors that a gold relation joins is learned from where the quote states it; elsewhere it is no
    evidence either way (left out, not taught as "none")."""
    record = {"article": "quoted", "split": "train", "actors": [
        {"name": "Russia", "kind": "country", "aliases": []}, {"name": "Khalifa Haftar", "kind": "person", "aliases": []}],
        "relations": [{"source": "Russia", "polarity": "supports", "target": "Khalifa Haftar", "modality": "asserted",
                       "quote": "Russia backs Khalifa Haftar"}], "predictions": []}
    (tmp_path / "train-articles").mkdir()
    (tmp_path / "train-articles" / "quoted.txt").write_text(
        "Russia met Khalifa Haftar on Monday. Russia backs Khalifa Haftar. The talks went on.", encoding="utf-8")
    annotations = tmp_path / "annotations.jsonl"
    annotations.write_text(json.dumps(record) + "\n", encoding="utf-8")
    [article] = fit_relation_model.articles(annotations, tmp_path)
    russia_to_haftar = [(pair.sentence, int(label), bool(trained)) for pair, label, trained
                        in zip(article.pairs, article.labels, article.trained)
                        if article.matched.get(pair.source) == "Russia" and article.matched.get(pair.target) == "Khalifa Haftar"]
    assert russia_to_haftar == [(0, 1, False), (1, 1, True)]
