"""Corpus commands against bad databases and hostile values: foreign, corrupt and too-new databases in one
line; CSV cells a spreadsheet would run as formulas; exports to standard output; ids that would break an
export; and a progress display that counts articles from the first one on."""

import csv
import io
import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from conftest import assert_one_line_error
from test_corpus import MODEL, cli, json_lines, short_articles  # noqa: F401 - fixture
from propaganda_lens.cli.common import rate_and_left
from propaganda_lens.corpus.export import spreadsheet_safe
from propaganda_lens.corpus.run import register_model, store_batch
from propaganda_lens.corpus.work import StoredAnalysis
from propaganda_lens.corpus.store import ArticleRow, open_database
from propaganda_lens.detect.detector import model_version

FORMULA_TITLE = "=cmd|' /C calc'!A0"


def corpus_with_spans(tmp_path: Path, records: list[dict]) -> str:
    """A SQLite corpus of `records`, each analyzed (without a model) with one span over its first word."""
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert cli("corpus", "add", json_lines(tmp_path, records), "--db", database).exit_code == 0
    sessions = open_database(database)
    version = model_version(MODEL)
    register_model(sessions, version, "fast", {})
    with sessions() as session:
        rows = session.execute(select(ArticleRow.id, ArticleRow.text)).all()
    store_batch(sessions, version, [
        StoredAnalysis(article_id, spans=[(0, body.index(" "), "Loaded_Language", 0.9, [], body[: body.index(" ")])],
                       covered_chars=body.index(" "))
        for article_id, body in rows])
    return database


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(tmp_path):
    records = [{"text": "-2+3 is what the crooks said.", "title": FORMULA_TITLE, "outlet": "@evil.example", "id": "+x"},
               {"text": "Plain words from a plain outlet.", "title": "A plain title", "outlet": "plain.example"}]
    database = corpus_with_spans(tmp_path, records)
    exported = cli("corpus", "export", "-f", "csv", "-o", "-", "--db", database, "-m", MODEL)
    assert exported.exit_code == 0, exported.output
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    assert set(rows) == {"'" + FORMULA_TITLE, "A plain title"}
    hostile = rows["'" + FORMULA_TITLE]
    assert (hostile["outlet"], hostile["name"], hostile["text"]) == ("'@evil.example", "'+x", "'-2+3")
    assert rows["A plain title"]["outlet"] == "plain.example" and rows["A plain title"]["probability"] == "0.9"
    stats = cli("corpus", "stats", "-f", "csv", "--by", "outlet", "--db", database, "-m", MODEL)
    assert stats.exit_code == 0, stats.output
    outlets = [row["outlet"] for row in csv.DictReader(io.StringIO(stats.stdout))]
    assert sorted(outlets) == ["'@evil.example", "plain.example"]
    for cell in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_safe(cell + "1") == "'" + cell + "1"
    assert spreadsheet_safe(-1.5) == -1.5 and spreadsheet_safe("a=b") == "a=b"


def test_exports_go_to_standard_output_with_dash(tmp_path, monkeypatch):
    database = corpus_with_spans(tmp_path, [{"text": f"Crooks number {n} lied.", "id": f"doc{n}"} for n in range(3)])
    monkeypatch.chdir(tmp_path)
    jsonl = cli("corpus", "export", "-o", "-", "--db", database, "-m", MODEL)
    assert jsonl.exit_code == 0, jsonl.output
    assert sorted(json.loads(line)["article"]["id"] for line in jsonl.stdout.splitlines()) == ["doc0", "doc1", "doc2"]
    semeval = cli("corpus", "export", "-o", "-", "-f", "semeval", "--db", database, "-m", MODEL)
    assert sorted(semeval.stdout.splitlines()) == [f"doc{n}\tLoaded_Language\t0\t6" for n in range(3)]
    assert cli("corpus", "export", "--db", database, "-m", MODEL).stdout == jsonl.stdout  # no -o: standard output
    assert not (tmp_path / "-").exists()
    assert_one_line_error(cli("corpus", "export", "-o", "-", "-f", "parquet", "--db", database, "-m", MODEL),
                          "not written to standard output")


def test_ids_that_would_break_an_export_are_refused_one_line_each(tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    records = [{"text": "A good article.", "id": "good"}, {"text": "A tab.", "id": "a\tb"},
               {"text": "A newline.", "id": "c\nd"}, {"text": "An escape.", "id": "e\u001bf"},
               {"text": "A line separator.", "id": "g\u2028h"}]
    result = cli("corpus", "add", json_lines(tmp_path, records), "--db", database)
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4 and all("would break the exports" in line for line in errors), result.stderr
    assert "1 articles added, 0 already stored, 4 failed" in result.stderr


def test_foreign_corrupt_and_too_new_databases_get_one_line_from_every_command(tmp_path, short_articles):
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    newer = tmp_path / "newer.sqlite"
    assert cli("corpus", "add", *short_articles[:2], "--db", f"sqlite:///{newer}").exit_code == 0
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed0099'")
    corrupt = tmp_path / "corrupt.sqlite"
    assert cli("corpus", "add", *short_articles, "--db", f"sqlite:///{corrupt}").exit_code == 0
    with sqlite3.connect(corrupt) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = connection.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(corrupt.read_bytes())
    assert len(data) > 8 * page
    data[4 * page :] = b"\xa5" * (len(data) - 4 * page)  # the schema page kept, the article pages broken
    corrupt.write_bytes(bytes(data))
    commands = [("stats",), ("run", "--lease", "1"), ("export", "-o", tmp_path / "x.jsonl"),
                ("report", "-o", tmp_path / "d.html"), ("add", short_articles[-1])]
    for path, fragment in ((foreign, "another application's tables"), (newer, "schema revision"),
                           (corrupt, "malformed")):
        for command in commands:
            assert_one_line_error(cli("corpus", *command, "--db", f"sqlite:///{path}", "-m", MODEL)
                                  if command[0] != "add" else cli("corpus", *command, "--db", f"sqlite:///{path}"),
                                  fragment)
    with sqlite3.connect(foreign) as connection:  # nothing was added to the other application's file
        assert [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["notes"]


def test_the_progress_counts_articles_and_shows_rate_and_time_left_from_the_first_on(tmp_path, short_articles, monkeypatch):
    from propaganda_lens.cli import corpus as corpus_cli

    assert rate_and_left(1, 40, 2.0, "articles") == ("0.50 articles/s", "0:01:18 left")
    assert rate_and_left(0, 40, 2.0, "articles") == ("", "")
    calls = []

    @contextmanager
    def recording_bar(total, description, shown=True, unit=None):
        calls.append(("total", total))
        yield lambda count=1, total=None: calls.append((count, total))

    monkeypatch.setattr(corpus_cli, "progress_bar", recording_bar)
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert cli("corpus", "add", *short_articles[:3], "--db", database).exit_code == 0
    assert cli("corpus", "run", "--db", database, "-m", MODEL).exit_code == 0
    assert calls == [("total", 3), (1, 3), (1, 3), (1, 3)]
