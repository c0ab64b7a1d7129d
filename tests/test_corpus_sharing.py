"""Many processes on one corpus database (SQLite and a real PostgreSQL): opening a new database at once,
runs that split the work and survive kill -9 of one of them, a time limit per article, and reads that see
one state of the database while a run commits."""

import os
import re
import signal
import subprocess
import sys
import time

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine

from corpus_tasks import CALL_SIZES, CRASH, HANG, HOSTILE
from test_corpus import MODEL, cli, counts, database  # noqa: F401 - fixture
from propaganda_lens.corpus.add import add_articles
from propaganda_lens.corpus.pool import WorkerPool
from propaganda_lens.corpus.run import register_model, run_corpus, store_batch
from propaganda_lens.corpus.work import StoredAnalysis, WorkItem, failed_analysis
from propaganda_lens.corpus.store import ArticleRow, FailureRow, open_database
from propaganda_lens.data import Article, Metadata
from propaganda_lens.detect.detector import model_version

RUN = [sys.executable, "-m", "propaganda_lens", "corpus", "run", "-m", MODEL]


def articles(*texts: str) -> list:
    return [(f"input {number}", Article(id=f"a{number}", text=body, source=None, metadata=Metadata()))
            for number, body in enumerate(texts)]


def test_processes_opening_a_new_database_at_once_all_succeed(database, tmp_path):
    """Six processes create the same new database at the same moment (they wait on a file to start)."""
    start = tmp_path / "go"
    script = ("import os, sys, time\n"
              f"while not os.path.exists({str(start)!r}): time.sleep(0.005)\n"
              "from propaganda_lens.corpus.store import open_database\n"
              f"open_database({database!r})\n")
    processes = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(6)]
    time.sleep(3)  # let every interpreter start and import before the signal
    start.touch()
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 6, errors
    assert counts(database) == {"articles": 0, "analyses": 0, "spans": 0, "failures": 0}


def analyzed_count(stderr: str) -> int:
    return int(re.search(r"(\d+) articles analyzed", stderr).group(1))


def test_two_runs_split_the_work_and_each_article_is_analyzed_once(database, ptc_folder):
    paths = sorted((ptc_folder / "dev-articles").glob("article*.txt"), key=lambda p: (p.stat().st_size, p.name))[:24]
    assert cli("corpus", "add", *paths, "--db", database).exit_code == 0
    runs = [subprocess.Popen([*RUN, "--db", database], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sum(map(analyzed_count, outputs)) == 24  # each article analyzed by one run only
    stored = counts(database)
    assert (stored["articles"], stored["analyses"], stored["failures"]) == (24, 24, 0)


def test_kill_9_of_one_run_leaves_its_articles_to_the_other(database, ptc_folder):
    """kill -9 of a run as soon as it holds leases; the other run takes its articles once they lapse."""
    paths = sorted((ptc_folder / "dev-articles").glob("article*.txt"), key=lambda p: (p.stat().st_size, p.name))[:24]
    assert cli("corpus", "add", *paths, "--db", database).exit_code == 0
    killed = subprocess.Popen([*RUN, "--db", database, "--lease", "3"], stderr=subprocess.DEVNULL)
    engine = create_engine(database)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and killed.poll() is None:
            with engine.connect() as connection:
                held = connection.execute(text("SELECT count(*) FROM leases WHERE holder LIKE :pid"),
                                          {"pid": f"%:{killed.pid}:%"}).scalar()
            if held:
                break
            time.sleep(0.05)
    finally:
        engine.dispose()
    assert killed.poll() is None and held, "the run ended before it held a lease"
    survivor = subprocess.Popen([*RUN, "--db", database, "--lease", "3"], stderr=subprocess.PIPE, text=True)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    output = survivor.communicate(timeout=600)[1]
    assert survivor.returncode == 0, output
    stored = counts(database)
    assert stored["analyses"] == 24 and stored["failures"] == 0
    assert analyzed_count(output) == 24  # the killed run committed nothing: it was killed at its first claim


def test_an_article_over_the_time_limit_or_killing_its_worker_is_a_failure_and_the_run_goes_on(tmp_path):
    sessions = open_database(f"sqlite:///{tmp_path / 'c.sqlite'}")
    add_articles(sessions, articles("First article.", f"A hostile article {HANG}.", "Third article.",
                                    f"One that kills its worker {CRASH}.", "Fifth article."))
    progress = list(run_corpus(sessions, MODEL, workers=2, article_timeout=3, task=HOSTILE))[-1]
    assert (progress.done, progress.analyzed, progress.failed) == (5, 3, 2)
    with sessions() as session:
        failures = dict(session.execute(select(ArticleRow.name, FailureRow.message)
                                        .join(FailureRow, FailureRow.article_id == ArticleRow.id)).all())
    assert set(failures) == {"a1", "a3"}
    assert "longer than 3 s (--article-timeout)" in failures["a1"] and "process died" in failures["a3"]


def test_a_free_worker_takes_the_next_batch_while_another_is_still_busy(tmp_path):
    """The first batch's long article waits until the second batch's article is done: a pool that waited for
    every worker to end a batch before taking the next would time out on it instead."""
    go = tmp_path / "go"
    (_, waiting), (_, quick), (_, next_batch) = articles(f"Waits [wait for {go}].", "Quick.", "In the next batch.")
    batches = [[WorkItem(0, waiting), WorkItem(1, quick)], [WorkItem(2, next_batch)]]
    done = []
    with WorkerPool(HOSTILE, 2, 30, failed_analysis, per_call=1) as pool:
        for result in pool.analyze(batches):
            done.append((result.article_id, result.error))
            if result.article_id == 2:
                go.touch()
    assert done == [(1, None), (2, None), (0, None)]


def test_workers_get_several_articles_per_call_and_a_call_over_the_limit_is_retried_one_by_one():
    items = [WorkItem(number, article) for number, (_, article) in
             enumerate(articles("One.", "Two.", f"Slow {HANG}.", "Four.", "Five.", "Six."))]
    with WorkerPool(CALL_SIZES, 2, 3, failed_analysis, per_call=3) as pool:
        results = {result.article_id: result for result in pool.analyze([items])}
    assert {number: result.covered_chars for number, result in results.items() if result.error is None} == {
        0: 1, 1: 1, 3: 3, 4: 3, 5: 3}  # the call with the slow article, again one article per call
    assert "longer than 3 s" in results[2].error


def fabricated(article_id: int) -> StoredAnalysis:
    return StoredAnalysis(article_id, spans=[(0, 5, "Loaded_Language", 0.9, [], "Crook")], covered_chars=5)


def test_stats_and_report_read_one_state_while_a_run_commits(database, tmp_path, monkeypatch):
    """A run commits a new article and its analysis between the two reads of corpus_facts: the commands
    show the corpus as it was when they began, whole."""
    sessions = open_database(database)
    version = model_version(MODEL)
    register_model(sessions, version, "fast", {})
    add_articles(sessions, articles("Crooked elites lied.", "Crooks everywhere, said he."))
    with sessions() as session:
        store_batch(sessions, version, [fabricated(i) for i in session.scalars(select(ArticleRow.id))])
    writer = open_database(database)
    state = {"commits": 0, "busy": False}

    def commit_between_reads(connection, cursor, statement, *_):
        if state["busy"] or "JOIN spans" not in statement or "GROUP BY" not in statement:
            return
        state["busy"] = True
        try:
            added = add_articles(writer, articles(f"A new crooked article {state['commits']}."))
            assert added.added == 1
            with writer() as session:
                newest = session.scalar(select(func.max(ArticleRow.id)))
            store_batch(writer, version, [fabricated(newest)])
            state["commits"] += 1
        finally:
            state["busy"] = False

    event.listen(Engine, "before_cursor_execute", commit_between_reads)
    try:
        stats = cli("corpus", "stats", "--db", database, "-m", MODEL, "-f", "json")
        report = cli("corpus", "report", "--db", database, "-m", MODEL, "-o", tmp_path / "d.html",
                     "--article-reports", "0")
    finally:
        event.remove(Engine, "before_cursor_execute", commit_between_reads)
    assert state["commits"] == 2  # a commit fell between the reads of each command
    assert stats.exit_code == 0, stats.output
    assert '"articles": 2,' in stats.stdout
    assert report.exit_code == 0, report.output
    assert "dashboard of 3 articles" in report.stderr
