"""`analyze_many`: every stage over many articles at once gives exactly the analyses of `analyze` on each, and
stages left out can be completed later with the same result."""

import sys
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propaganda_lens.api import analyze, analyze_many, complete_analyses, default_detector
from propaganda_lens.data import Article
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


@settings(max_examples=200)
@given(st.lists(st.integers(0, 120), max_size=30), st.integers(1, 200))
def test_passes_keep_the_order_and_bound_the_text_of_each(lengths, budget):
    from propaganda_lens.corpus.work import WorkItem, passes

    items = [WorkItem(index, Article(id=str(index), text="x" * length)) for index, length in enumerate(lengths)]
    groups = list(passes(items, budget))
    assert [item for group in groups for item in group] == items
    for group in groups:
        assert group and (len(group) == 1 or sum(len(item.article.text) for item in group) <= budget)
    for group, following in zip(groups, groups[1:]):  # a group ends only where the next item would not fit
        assert sum(len(item.article.text) for item in group) + len(following[0].article.text) > budget


def test_a_worker_analyzes_long_articles_in_passes_with_the_same_results(articles, monkeypatch):
    from propaganda_lens.corpus import work

    loaded = work.load_worker(MODEL, 1)
    items = [work.WorkItem(index, article) for index, article in enumerate(articles)]
    assert sum(len(article.text) for article in articles) > work.CHARACTERS_PER_PASS  # more than one pass
    in_passes = work.analyze_batch(loaded, items)
    monkeypatch.setattr(work, "CHARACTERS_PER_PASS", 10**9)
    assert work.analyze_batch(loaded, items) == in_passes
    assert all(result.error is None for result in in_passes)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_c_heap_memory_goes_back_to_the_system():
    import psutil

    from propaganda_lens.memory import release_freed_memory

    process = psutil.Process()
    before = process.memory_info().rss
    blocks = [bytearray(4000) for _ in range(50_000)]  # 200 MB of C heap blocks (under glibc's mmap threshold)
    pinned = blocks[::1000]  # a few live blocks keep the heap from shrinking by itself
    del blocks
    held = process.memory_info().rss
    release_freed_memory()
    released = process.memory_info().rss
    assert held - before > 100 * 2**20 and held - released > 100 * 2**20
    assert len(pinned) == 50
