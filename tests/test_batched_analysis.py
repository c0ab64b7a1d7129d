"""`analyze_many`: every stage over many articles at once gives exactly the analyses of `analyze` on each, and
stages left out can be completed later with the same result."""

from dataclasses import replace

import pytest

from propaganda_lens.api import analyze, analyze_many, complete_analyses, default_detector
from propaganda_lens.ingest.sources import article_from_text

MODEL = "fast"


@pytest.fixture(scope="module")
def articles(ptc_folder):
    """Nine dev articles of every size: short ones spaCy batches together, long ones parsed in several chunks."""
    paths = sorted((ptc_folder / "dev-articles").glob("article*.txt"), key=lambda p: (p.stat().st_size, p.name))
    chosen = paths[:3] + paths[len(paths) // 2 : len(paths) // 2 + 3] + paths[-3:]
    return [article_from_text(path.read_text(encoding="utf-8"), path.stem, str(path), input_format="text")
            for path in chosen]


def test_analyze_many_equals_analyze_on_each(articles):
    detector = default_detector(MODEL)
    one_by_one = [analyze(article, detector=detector) for article in articles]
    together = analyze_many(articles, detector)
    assert [len(a.article.text) for a in together] == [len(a.article.text) for a in one_by_one]
    assert any(analysis.actors for analysis in together) and any(analysis.relations for analysis in together)
    assert any(analysis.statements for analysis in together)
    for batched, single in zip(together, one_by_one):
        assert batched.spans == single.spans
        assert batched.sentences == single.sentences
        assert batched.actors == single.actors
        assert batched.relations == single.relations
        assert batched.statements == single.statements
        assert batched == single


def test_stages_left_out_are_completed_later_with_the_same_result(articles):
    detector = default_detector(MODEL)
    spans_only = analyze_many(articles, detector, stages=("techniques",))
    assert all(not a.actors and not a.statements for a in spans_only)
    assert all(sentence.checkworthiness is None for a in spans_only for sentence in a.sentences)
    with_actors = complete_analyses(spans_only, ("techniques", "actors"))
    assert all(sentence.checkworthiness is None for a in with_actors for sentence in a.sentences)
    complete = analyze_many(articles, detector)
    assert with_actors == [replace(a, statements=[], sentences=[replace(s, checkworthiness=None) for s in a.sentences])
                           for a in complete]
    assert complete_analyses(spans_only, ("claims",)) == complete  # claims need the actors: both are added
