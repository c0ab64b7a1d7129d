"""Corpus mode against SQLite and a real PostgreSQL: add, run (local and Ray engines, killed and resumed),
stats, exports, the dashboard in Chromium, and one-line errors for bad databases and inputs."""

import csv
import io
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from conftest import assert_one_line_error, live_server
from propaganda_lens.cli.main import app
from propaganda_lens.corpus.store import AnalysisRow, ArticleRow, Base, FailureRow, SpanRow, open_database
from propaganda_lens.detect.detector import model_version

runner = CliRunner()
MODEL = "fast"
_database_numbers = itertools.count()


@pytest.fixture(scope="module")
def short_articles(ptc_folder) -> list[Path]:
    """The eight shortest PTC dev articles: real texts that analyze quickly."""
    paths = sorted((ptc_folder / "dev-articles").glob("article*.txt"), key=lambda p: (p.stat().st_size, p.name))
    return paths[:8]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'corpus.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    name = f"corpus_{os.getpid()}_{next(_database_numbers)}"
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return f"{server}/{name}"


def cli(*arguments: str):
    return runner.invoke(app, [str(argument) for argument in arguments])


def counts(database: str) -> dict[str, int]:
    sessions = open_database(database)
    with sessions() as session:
        return {row.__tablename__: session.scalar(select(func.count()).select_from(row))
                for row in (ArticleRow, AnalysisRow, SpanRow, FailureRow)}


def stored_spans(database: str) -> dict[str, list[tuple]]:
    """Per article name, its stored spans by the fast model."""
    sessions = open_database(database)
    version = model_version(MODEL)
    with sessions() as session:
        rows = session.execute(
            select(ArticleRow.name, SpanRow.start, SpanRow.end, SpanRow.technique, SpanRow.probability)
            .join(AnalysisRow, AnalysisRow.article_id == ArticleRow.id).join(SpanRow, SpanRow.analysis_id == AnalysisRow.id)
            .where(AnalysisRow.model_version == version).order_by(ArticleRow.name, SpanRow.start, SpanRow.end)
        ).all()
    spans: dict[str, list[tuple]] = {}
    for name, *span in rows:
        spans.setdefault(name, []).append(tuple(span))
    return spans


def json_lines(tmp_path: Path, records: list[object]) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("".join((json.dumps(r) if not isinstance(r, str) else r) + "\n" for r in records), encoding="utf-8")
    return path


def test_add_run_stats_and_export(database, short_articles, tmp_path, example_article):
    records = [
        {"text": "The corrupt elites betrayed the nation again, and the cowards in parliament cheered them on.",
         "url": "https://www.breitbart.com/politics/2019/05/02/story/", "date": "2019-05-02", "title": "A story"},
        {"html": "<html><body><article><p>Shameful traitors sold our country. They lied to every voter in the land "
                 "and they will pay for it.</p></article></body></html>",
         "url": "https://edition.cnn.com/2020/01/01/story", "date": "January 3, 2020"},
        "not json",
        {"title": "no text"},
    ]
    copy = tmp_path / "copy.txt"  # the same text under another name is stored once
    copy.write_bytes(short_articles[0].read_bytes())
    added = cli("corpus", "add", *short_articles, copy, example_article, json_lines(tmp_path, records),
                tmp_path / "missing.txt", "--db", database)
    assert added.exit_code == 1  # failures are reported, and the rest is stored
    assert "11 articles added, 1 already stored, 3 failed" in added.stderr
    assert counts(database) == {"articles": 11, "analyses": 0, "spans": 0, "failures": 3}

    run = cli("corpus", "run", "--db", database, "-m", MODEL)
    assert run.exit_code == 0, run.output
    assert "11 articles analyzed" in run.stderr
    again = cli("corpus", "run", "--db", database, "-m", MODEL)
    assert again.exit_code == 0 and "nothing to do" in again.stderr
    assert counts(database)["analyses"] == 11

    # What the corpus stores for an article is exactly what `analyze` finds in it.
    exported = tmp_path / "corpus.jsonl"
    assert cli("corpus", "export", "-o", exported, "--db", database, "-m", MODEL).exit_code == 0
    analyses = {entry["article"]["id"]: entry for entry in map(json.loads, exported.read_text(encoding="utf-8").splitlines())}
    assert len(analyses) == 11
    for source in (short_articles[3], example_article):  # the example: actors, relations and statements too
        direct = json.loads(cli("analyze", source, "-f", "json", "-m", MODEL).stdout)
        assert analyses[direct["article"]["id"]] == direct
    assert direct["relations"] and direct["statements"] and direct["actors"]

    stats = json.loads(cli("corpus", "stats", "--db", database, "-m", MODEL, "--by", "outlet", "-f", "json").stdout)
    groups = {group["outlet"]: group for group in stats["groups"]}
    assert [(r["factuality"], r["bias"], r["year"], r["source"]) for r in groups["breitbart.com"]["ratings"]] == [
        ("low", "right", 2020, "Media Bias/Fact Check, via Baly et al. 2020"),
        ("mixed", "right", 2018, "Media Bias/Fact Check, via Baly et al. 2018")]
    assert [rating["year"] for rating in groups["edition.cnn.com"]["ratings"]] == [2020, 2018]  # cnn.com's
    total_spans = sum(len(entry["spans"]) for entry in analyses.values())
    assert sum(group["spans"] for group in stats["groups"]) == total_spans
    assert sum(group["articles"] for group in stats["groups"]) == 11 == stats["articles"]
    for group in stats["groups"]:
        assert group["spans_per_1000_words"] == pytest.approx(1000 * group["spans"] / group["words"], abs=1e-3)
        assert 0 <= group["covered_share"] <= 1
    assert stats["failures"] == {"add": 3}
    assert set(stats["technique_precision"]) >= {"Loaded_Language"}

    by_month = json.loads(cli("corpus", "stats", "--db", database, "-m", MODEL, "--by", "month", "-f", "json").stdout)
    assert {"2019-05", "2020-01", "2018-05", "(undated)"} <= {group["month"] for group in by_month["groups"]}
    table = cli("corpus", "stats", "--db", database, "-m", MODEL, "--by", "outlet,technique", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    assert sum(int(row["spans"]) for row in rows) == total_spans
    assert {row["outlet"] for row in rows if row["factuality"]} >= {"breitbart.com"}
    # The table, piped: tab-separated lines, nothing cut to the 80 columns a pipe would get.
    piped = cli("corpus", "stats", "--db", database, "-m", MODEL, "--by", "outlet").stdout.splitlines()
    assert piped[0].split("\t")[:5] == ["outlet", "articles", "spans", "per 1k words", "covered"]
    assert "…" not in "\n".join(piped) and len({line.count("\t") for line in piped}) == 1
    assert any(line.startswith("breitbart.com\t") and "low factuality" in line for line in piped[1:])

    labels = tmp_path / "corpus.labels"
    assert cli("corpus", "export", "-o", labels, "--db", database, "-m", MODEL).exit_code == 0
    assert len(labels.read_text(encoding="utf-8").splitlines()) == total_spans
    spans_csv = tmp_path / "spans.csv"
    assert cli("corpus", "export", "-o", spans_csv, "--db", database, "-m", MODEL).exit_code == 0
    span_rows = list(csv.DictReader(spans_csv.open(encoding="utf-8")))
    assert len(span_rows) == total_spans and {row["outlet"] for row in span_rows} >= {"breitbart.com"}


def test_parquet_export_and_outlet_override(tmp_path, short_articles):
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert cli("corpus", "add", *short_articles[:2], "--outlet", "example.org", "--db", database).exit_code == 0
    assert cli("corpus", "run", "--db", database, "-m", MODEL).exit_code == 0
    output = tmp_path / "spans.parquet"
    assert cli("corpus", "export", "-o", output, "--db", database, "-m", MODEL).exit_code == 0
    table = pyarrow_parquet.read_table(output).to_pylist()
    assert table and {row["outlet"] for row in table} == {"example.org"}
    assert len(table) == sum(len(spans) for spans in stored_spans(database).values())


def test_a_killed_run_resumes_and_analyzes_every_article_exactly_once(tmp_path, ptc_folder):
    """kill -9 while batches are being committed, then the same command: no article twice, none missing,
    and every stored analysis complete (its spans are those of an uninterrupted run)."""
    articles = sorted((ptc_folder / "dev-articles").glob("article*.txt"), key=lambda p: (p.stat().st_size, p.name))[:40]
    killed, clean = f"sqlite:///{tmp_path / 'killed.sqlite'}", f"sqlite:///{tmp_path / 'clean.sqlite'}"
    for database in (killed, clean):
        assert cli("corpus", "add", *articles, "--db", database).exit_code == 0
    command = [sys.executable, "-m", "propaganda_lens", "corpus", "run", "--db", killed, "-m", MODEL, "--lease", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database_file = tmp_path / "killed.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:  # kill once the first batch is committed:
        with sqlite3.connect(database_file, timeout=10) as connection:  # the run is then at the next one
            if connection.execute("SELECT count(*) FROM analyses").fetchone()[0] >= 1:
                break
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = counts(killed)["analyses"]
    assert 1 <= partial < 40 and partial % 16 == 0  # whole batches only
    resumed = cli("corpus", "run", "--db", killed, "-m", MODEL)
    assert resumed.exit_code == 0 and f"{40 - partial} articles analyzed" in resumed.stderr
    assert cli("corpus", "run", "--db", clean, "-m", MODEL).exit_code == 0
    assert counts(killed)["analyses"] == 40
    assert stored_spans(killed) == stored_spans(clean)


def test_the_ray_engine_stores_the_same_spans_as_the_local_engine(tmp_path, short_articles, monkeypatch):
    """The CLI starts Ray itself, with Ray's usage statistics off before Ray starts."""
    ray = pytest.importorskip("ray")
    monkeypatch.delenv("RAY_USAGE_STATS_ENABLED", raising=False)
    started_with, start = [], ray.init
    monkeypatch.setattr(ray, "init", lambda *args, **kwargs: (
        started_with.append(os.environ.get("RAY_USAGE_STATS_ENABLED")), start(*args, **kwargs))[1])
    local, distributed = f"sqlite:///{tmp_path / 'local.sqlite'}", f"sqlite:///{tmp_path / 'ray.sqlite'}"
    for database in (local, distributed):
        assert cli("corpus", "add", *short_articles, "--db", database).exit_code == 0
    assert cli("corpus", "run", "--db", local, "-m", MODEL).exit_code == 0
    try:
        result = cli("corpus", "run", "--db", distributed, "-m", MODEL, "--engine", "ray", "--workers", "2")
        assert started_with == ["0"]
    finally:
        ray.shutdown()
    assert result.exit_code == 0, result.output
    assert counts(distributed)["analyses"] == counts(local)["analyses"] == len(short_articles)
    assert stored_spans(distributed) == stored_spans(local) and stored_spans(local)


def test_the_ray_engine_streams_claimed_batches_keeps_the_time_limit_and_replaces_dead_actors():
    """Every claimed item comes back once, with batches claimed while the actors work. As in the local
    engine, a call over the time limit or whose actor dies is given again one item per call, and only the
    item at fault becomes a failure; an error in the analysis itself ends the run with one line."""
    ray = pytest.importorskip("ray")
    from propaganda_lens.corpus.pool import RunError
    from propaganda_lens.corpus.ray_engine import RayAnalyzer

    class EchoActor:
        """Stands in for a worker actor: returns its items' ids; 99 hangs, 98 kills its process, 66 raises."""

        def ready(self) -> bool:
            return True

        def analyze(self, items: list[tuple[int]]) -> list[int]:
            ids = [item[0] for item in items]
            if 99 in ids:
                time.sleep(60)
            if 98 in ids:
                os._exit(1)
            if 66 in ids:
                raise ValueError("a worker failed on purpose")
            return ids

    claimed = []

    def batches(ids: list[int]):
        for start in range(0, len(ids), 10):
            claimed.append(start)
            yield [(article,) for article in ids[start : start + 10]]

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        analyzer = RayAnalyzer(None, 2, None, article_timeout=3, actor_class=EchoActor)
        results = analyzer(batches(list(range(35))))
        first = next(results)
        assert len(claimed) < 4  # the first result arrives before every batch is claimed
        assert sorted([first, *results]) == list(range(35))

        results = list(analyzer(batches([1, 2, 99, 4, 98, 5])))
        failures = {result.article_id: result.error for result in results if not isinstance(result, int)}
        assert sorted(result for result in results if isinstance(result, int)) == [1, 2, 4, 5]
        assert "--article-timeout" in failures[99] and "died" in failures[98] and len(failures) == 2
        assert len(analyzer.actors) == 2

        with pytest.raises(RunError, match=r"^a Ray worker failed \(a worker failed on purpose\); run the same command again to resume$"):
            list(analyzer(batches([1, 66])))
    finally:
        ray.shutdown()


def test_the_local_engine_with_two_processes_matches_one(tmp_path, short_articles):
    one, two = f"sqlite:///{tmp_path / 'one.sqlite'}", f"sqlite:///{tmp_path / 'two.sqlite'}"
    for database, workers in ((one, "1"), (two, "2")):
        assert cli("corpus", "add", *short_articles[:4], "--db", database).exit_code == 0
        assert cli("corpus", "run", "--db", database, "-m", MODEL, "--workers", workers).exit_code == 0
    assert stored_spans(one) == stored_spans(two)


def test_the_dashboard_renders_with_data_and_filters_without_any_request(browser, tmp_path, short_articles):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    records = [{"text": f"Crooked traitors and corrupt elites are destroying the nation, the nation! ({number})",
                "url": f"https://www.{site}/{number}", "date": f"2019-0{number}-01"}
               for number, site in enumerate(("breitbart.com", "breitbart.com", "theguardian.com"), 1)]
    assert cli("corpus", "add", *short_articles[:4], json_lines(tmp_path, records), "--db", database).exit_code == 0
    assert cli("corpus", "run", "--db", database, "-m", MODEL).exit_code == 0
    output = tmp_path / "dashboard.html"
    made = cli("corpus", "report", "-o", output, "--db", database, "-m", MODEL, "--article-reports", "3")
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "dashboard-articles").glob("*.html"))) == 3
    page = browser.new_page(viewport={"width": 1300, "height": 1200})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(output.as_uri())
    page.locator("#articles tbody tr").first.wait_for()
    assert requests == [output.as_uri()] and not errors
    assert page.inner_text("#summary").startswith("7 articles")
    # A technique the model never marked on PTC dev (Appeal to authority) says its precision is unknown.
    assert "Appeal to authority (p n/a)" in page.inner_text("#technique")
    assert page.locator("canvas").count() == 3
    assert all(page.evaluate(f"Chart.getChart('{name}').data.labels.length") > 0 for name in ("mix", "ranking"))
    assert page.evaluate("Chart.getChart('timeline').data.datasets[0].data.length") > 0
    assert "high factuality" in page.inner_text("#ratings") or "mixed factuality" in page.inner_text("#ratings")
    assert page.locator("#articles a").count() == 3
    assert page.locator("#framing tbody tr").count() > 0  # the actors that the run stored
    page.select_option("#outlet", label="breitbart.com")
    assert page.inner_text("#summary").startswith("2 articles")
    page.fill("#from", "2019-02")
    page.dispatch_event("#from", "change")
    assert page.inner_text("#summary").startswith("1 articles")
    href = page.get_attribute("#articles a", "href")
    assert href.startswith("dashboard-articles/") and (tmp_path / href).is_file()
    page.close()


def test_serve_shows_the_dashboard_and_article_reports(tmp_path, short_articles):
    from propaganda_lens.server.app import ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource
    import httpx

    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert cli("corpus", "add", *short_articles[:2], "--db", database).exit_code == 0
    assert cli("corpus", "run", "--db", database, "-m", MODEL).exit_code == 0
    with live_server(create_app(ModelSource(MODEL), ServerSettings(workers=1, corpus_database=database))) as url:
        page = httpx.get(f"{url}/corpus")
        assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
        assert '"/corpus/articles/1"' in page.text
        reports = [httpx.get(f"{url}/corpus/articles/{number}") for number in (1, 2)]
        assert all(report.status_code == 200 for report in reports)
        sessions = open_database(database)
        with sessions() as session:
            stored = [session.scalar(select(func.count()).select_from(SpanRow).join(AnalysisRow)
                                     .where(AnalysisRow.article_id == number)) for number in (1, 2)]
        assert sum(stored) > 0
        for report, count in zip(reports, stored):  # every stored span is marked in its article's report
            marked = {int(index) for indices in re.findall(r'<mark [^>]*data-spans="([^"]*)"', report.text)
                      for index in indices.split()}
            assert marked == set(range(count))
        assert httpx.get(f"{url}/corpus/articles/999").status_code == 404
        for past_the_integer_range in ("9223372036854775808", "-9223372036854775809", "0"):
            assert httpx.get(f"{url}/corpus/articles/{past_the_integer_range}").status_code == 404


def test_bad_databases_and_requests_get_one_clear_line(tmp_path, short_articles):
    assert_one_line_error(cli("corpus", "stats", "--db", "not a url"), "is not a database URL")
    assert_one_line_error(cli("corpus", "add", short_articles[0], "--db", f"sqlite:///{tmp_path}/no/such/folder/c.sqlite"),
                          "does not exist")
    assert_one_line_error(cli("corpus", "run", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"), "cannot open the database")
    assert_one_line_error(cli("corpus", "run", "--db", "mysql+nosuchdriver://x/y"), "cannot use the database")
    not_a_database = tmp_path / "text.sqlite"
    not_a_database.write_text("hello, this is not SQLite " * 100)
    assert_one_line_error(cli("corpus", "stats", "--db", f"sqlite:///{not_a_database}"), "cannot open the database")
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert_one_line_error(cli("corpus", "run", "--db", database, "-m", MODEL), "holds no article yet")
    assert_one_line_error(cli("corpus", "stats", "--db", database, "-m", MODEL), "run 'propaganda-lens corpus run' first")
    assert_one_line_error(cli("corpus", "stats", "--db", database, "--by", "weekday"), "--by")
    assert_one_line_error(cli("corpus", "export", "-o", tmp_path / "x.pdf", "--db", database), "no export format")
    assert_one_line_error(cli("corpus", "run", "--db", database, "-m", tmp_path), "cannot load the model")


def test_a_locked_database_is_one_line_and_keeps_what_was_stored(tmp_path, short_articles, monkeypatch):
    from propaganda_lens.corpus import store

    path = tmp_path / "c.sqlite"
    database = f"sqlite:///{path}"
    assert cli("corpus", "add", short_articles[0], "--db", database).exit_code == 0
    monkeypatch.setattr(store, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    locker = sqlite3.connect(path, timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("corpus", "add", *short_articles[1:3], "--db", database)
    finally:
        locker.rollback()
        locker.close()
    assert_one_line_error(result, "database is locked")
    assert counts(database)["articles"] == 1


def test_the_migrations_build_exactly_the_tables_of_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    sessions = open_database(f"sqlite:///{tmp_path / 'c.sqlite'}")
    with sessions.kw["bind"].connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_a_later_run_adds_the_missing_stages_from_the_stored_spans(tmp_path, short_articles):
    """--stages techniques, then --stages claims: the second run adds actors and claims to the stored analyses
    from their stored spans (it does not detect again: an analysis whose spans were removed keeps none),
    and the result is that of a run with every stage."""
    staged, whole = f"sqlite:///{tmp_path / 'staged.sqlite'}", f"sqlite:///{tmp_path / 'whole.sqlite'}"
    for database in (staged, whole):
        assert cli("corpus", "add", *short_articles[:4], "--db", database).exit_code == 0
    first = cli("corpus", "run", "--db", staged, "-m", MODEL, "--stages", "techniques")
    assert first.exit_code == 0 and "4 articles analyzed" in first.stderr
    assert "nothing to do" in cli("corpus", "run", "--db", staged, "-m", MODEL, "--stages", "techniques").stderr
    spans_only = tmp_path / "spans-only.jsonl"
    assert cli("corpus", "export", "-o", spans_only, "--db", staged, "-m", MODEL).exit_code == 0
    entries = [json.loads(line) for line in spans_only.read_text(encoding="utf-8").splitlines()]
    assert all(not entry["actors"] and not entry["statements"] for entry in entries)
    engine = create_engine(staged)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT DISTINCT stages FROM analyses")).scalars().all() == ["techniques"]
        emptied = connection.execute(text("SELECT a.article_id FROM analyses a JOIN spans s ON s.analysis_id = a.id "
                                          "GROUP BY a.article_id ORDER BY count(*) DESC LIMIT 1")).scalar()
        connection.execute(text(f"DELETE FROM spans WHERE analysis_id = (SELECT id FROM analyses WHERE article_id = {emptied})"))
    engine.dispose()
    second = cli("corpus", "run", "--db", staged, "-m", MODEL, "--stages", "claims")
    assert second.exit_code == 0 and "4 articles analyzed" in second.stderr, second.output
    assert cli("corpus", "run", "--db", whole, "-m", MODEL).exit_code == 0
    exports = {}
    for database in (staged, whole):
        path = tmp_path / f"{len(exports)}.jsonl"
        assert cli("corpus", "export", "-o", path, "--db", database, "-m", MODEL).exit_code == 0
        exports[database] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    index = emptied - 1  # exports are in article order
    assert exports[staged][index]["spans"] == [] != exports[whole][index]["spans"]
    assert all(not actor["techniques"] for actor in exports[staged][index]["actors"])
    assert exports[staged][index]["actors"] == [{**actor, "techniques": {}} for actor in exports[whole][index]["actors"]]
    del exports[staged][index], exports[whole][index]
    assert exports[staged] == exports[whole] and any(entry["statements"] for entry in exports[whole])
    with create_engine(staged).connect() as connection:
        assert connection.execute(text("SELECT DISTINCT stages FROM analyses")).scalars().all() == [
            "techniques actors claims"]
