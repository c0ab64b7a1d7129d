"""The relation encoder (actors/relation_encoder.py): which pairs it reads, how it marks them, how the fit tool
labels them, and how its relations join the rules'."""

import sys
from pathlib import Path

import numpy
import pytest

from propaganda_lens.actors.mentions import find_actors
from propaganda_lens.actors.relation_encoder import (
    CLASSES, MAX_GAP_CHARACTERS, Candidate, best_relations, candidates, marked_text,
)
from propaganda_lens.enrich.parsing import parse
from propaganda_lens.enrich.sentences import sentence_ranges

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import fit_relation_encoder  # noqa: E402


def parsed(text: str):
    doc = parse(text, sentence_ranges(text))
    actors, actor_of_token = find_actors(doc)
    return doc, {actor.id: actor.name for actor in actors}, actor_of_token


def marked(text: str) -> dict[tuple[str, str], str]:
    doc, names, actor_of_token = parsed(text)
    sentences = list(doc.sents)
    return {(names[c.first], names[c.second]): marked_text(text, doc, sentences[c.sentence], c)
            for c in candidates(doc, actor_of_token)}


def test_each_pair_of_actors_in_a_sentence_is_read_once_with_both_mentions_marked():
    found = marked("Russia backs Syria against Turkey. Iran is far away.")
    assert found == {
        ("Russia", "Syria"): "@ Russia @ backs # Syria # against Turkey.",
        ("Russia", "Turkey"): "@ Russia @ backs Syria against # Turkey # .",
        ("Syria", "Turkey"): "Russia backs @ Syria @ against # Turkey # .",
    }


def test_a_long_sentence_is_cut_around_the_pair_and_far_apart_mentions_are_no_pair():
    filler = " and then, as everyone knows, nothing whatsoever happened there" * 8
    text = f"Long ago{filler}, Russia backed Syria{filler}, while Turkey watched."
    found = marked(text)
    assert set(found) == {("Russia", "Syria")}  # Turkey is more than MAX_GAP_CHARACTERS from both
    assert len(text) > 2 * MAX_GAP_CHARACTERS
    assert "@ Russia @ backed # Syria #" in found["Russia", "Syria"]
    assert len(found["Russia", "Syria"]) < 260


def test_the_fit_tool_labels_a_pair_only_in_the_sentence_its_quote_names():
    pair = Candidate("a", "b", 3, (0, 1), (2, 3))
    matched = {"a": "A", "b": "B"}
    assert fit_relation_encoder.label(pair, {("B", "opposes", "A"): 3}, matched) == CLASSES.index("second opposes first")
    assert fit_relation_encoder.label(pair, {("A", "supports", "B"): 3}, matched) == CLASSES.index("first supports second")
    assert fit_relation_encoder.label(pair, {("A", "supports", "B"): 5}, matched) == -1  # stated elsewhere: left out
    assert fit_relation_encoder.label(pair, {("A", "supports", "C"): 3}, matched) == 0
    assert fit_relation_encoder.label(pair, {("A", "supports", "B"): 3}, {"a": "A"}) == 0  # b matches no gold actor


def test_an_article_relation_takes_its_best_sentence_and_each_pair_votes_once():
    first = Candidate("a", "b", 0, (0, 1), (2, 3))
    second = Candidate("a", "b", 1, (5, 6), (7, 8))
    probabilities = numpy.array([[0.1, 0.6, 0.3, 0.0, 0.0], [0.0, 0.9, 0.05, 0.05, 0.0]])
    best = best_relations([first, second], probabilities)
    assert set(best) == {("a", "supports", "b")}
    assert best["a", "supports", "b"] == (0.9, second)
    reverse = best_relations([first], numpy.array([[0.2, 0.1, 0.1, 0.1, 0.5]]))
    assert set(reverse) == {("b", "opposes", "a")}


@pytest.mark.filterwarnings("ignore")  # torch's ONNX tracer warnings
def test_an_encoder_fitted_and_exported_by_the_tool_reads_relations_through_onnx(ptc_folder, tiny_encoder, tmp_path):
    """The fit tool's whole path on a tiny random encoder and three tuning articles: labelled pairs, fine-tuning,
    ONNX export (int8 unless it loses a point), and the rules' relations kept under "union"."""
    pytest.importorskip("torch", reason="needs the train extra")
    from propaganda_lens.actors.relation_encoder import RelationEncoder, RelationEncoderConfig
    from propaganda_lens.actors.relations import find_relations

    annotations = tmp_path / "three.jsonl"
    lines = fit_relation_encoder.score_structure.ANNOTATIONS.read_text(encoding="utf-8").splitlines()
    annotations.write_text("\n".join([line for line in lines if '"quote"' in line][:3]) + "\n", encoding="utf-8")
    data = fit_relation_encoder.articles(annotations, ptc_folder)
    assert sum(int((article.labels > 0).sum()) for article in data) > 0
    config = RelationEncoderConfig("tiny", threshold=0.0, mode="union")
    evaluation = fit_relation_encoder.export(fit_relation_encoder.fit(tiny_encoder, data), tiny_encoder, config, data,
                                             tmp_path / "tiny")
    assert evaluation["weights"] in ("int8", "fp32")
    encoder = RelationEncoder.load(tmp_path / "tiny")
    assert encoder.probabilities(data[0].texts).shape == (len(data[0].texts), len(CLASSES))
    text = "Russia backs Syria against Turkey."
    doc = parse(text, sentence_ranges(text))
    actors, actor_of_token = find_actors(doc)
    rules = find_relations(doc, actor_of_token, set())
    learned = find_relations(doc, actor_of_token, set(), encoder)
    assert set(rules) <= set(learned) and len(learned) > len(rules)  # threshold 0: every pair gets a relation
