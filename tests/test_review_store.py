"""Reviewers' corrections in the corpus, on SQLite and a real PostgreSQL: the migration that adds them to a
database holding data, `corpus review import/export` with bad items and re-imports, --reviewed in stats and
exports, and the server's API."""

import csv
import io
import json
import os
import re
from pathlib import Path

import pyarrow.parquet as pyarrow_parquet
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text

from propaganda_lens.corpus.reviews import corrections_in
from propaganda_lens.corpus.store import (
    AnalysisRow, ArticleRow, LeaseRow, ModelRow, ReviewRow, SpanRow, open_database, writing,
)
from propaganda_lens.data import TECHNIQUES, Span, text_sha256
from propaganda_lens.detect.detector import model_version
from test_adapt import cache, small_ptc  # noqa: F401 - fixtures
from test_corpus import MODEL, cli, database  # noqa: F401 - fixture

NAME, LOADED, FEAR = "Name_Calling,Labeling", "Loaded_Language", "Appeal_to_fear-prejudice"
VERSION = model_version(MODEL)
# Each text with its outlet and the spans the model stored for it.
ARTICLES = {
    "a0": ("They are traitors, and the corrupt elites will destroy our nation.", "a.org",
           [(9, 17, NAME, 0.9), (27, 41, LOADED, 0.7)]),
    "a1": ("Shameful cowards lied to every voter in the land.", "b.org", [(0, 16, NAME, 0.8)]),
    "a2": ("A calm report about the weather today.", "a.org", []),
}
TEXT0 = ARTICLES["a0"][0]


def build_corpus(url: str, names=tuple(ARTICLES)) -> None:
    """The articles of ARTICLES, analyzed by the fast model's version, written as `corpus run` stores them."""
    sessions = open_database(url)
    with writing(sessions) as session:
        session.add(ModelRow(version=VERSION, name="ptc-minilm", technique_precision={LOADED: 0.5, NAME: 0.6}))
        for name in names:
            body, outlet, spans = ARTICLES[name]
            article = ArticleRow(content_hash=text_sha256(body), name=name, outlet=outlet, text=body,
                                 words=len(body.split()), extra={})
            session.add(article)
            session.flush()
            analysis = AnalysisRow(article_id=article.id, model_version=VERSION, warnings=[], checkworthiness=[],
                                   covered_chars=sum(end - start for start, end, _, _ in spans))
            session.add(analysis)
            session.flush()
            session.add_all(SpanRow(analysis_id=analysis.id, start=start, end=end, technique=technique,
                                    probability=probability, text=body[start:end], cues=[])
                            for start, end, technique, probability in spans)


def entry(name: str, corrections: list[dict], model: str | None = "ptc-minilm", digest: str | None = None) -> dict:
    return {"article": name, "text_sha256": digest or text_sha256(ARTICLES[name][0]), "model": model,
            "corrections": corrections}


def document(*entries: dict) -> dict:
    return {"format": "propaganda-lens-corrections", "version": 1, "articles": list(entries)}


def correction(action, start, end, technique, model_technique=None, reviewer="ana", time="2026-12-04T21:00:00Z"):
    return {"action": action, "start": start, "end": end, "technique": technique, "model_technique": model_technique,
            "reviewer": reviewer, "time": time}


REVIEW_A0 = [correction("reject", 9, 17, NAME, NAME), correction("relabel", 27, 41, NAME, LOADED),
             correction("add", 42, 65, FEAR)]


def write(tmp_path: Path, data: dict, name: str = "corrections.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def stored(url: str, table=ReviewRow) -> list[tuple]:
    with open_database(url)() as session:
        return [tuple(getattr(row, column.name) for column in table.__table__.columns if column.name != "stored_at")
                for row in session.scalars(select(table).order_by(table.id))]


def test_a_database_at_0003_with_data_upgrades_and_keeps_its_rows(database, tmp_path):
    from alembic import command
    from alembic.config import Config

    from propaganda_lens.corpus import store

    config = Config()
    config.set_main_option("script_location", str(Path(store.__file__).with_name("migrations")))
    engine = create_engine(database)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with engine.begin() as connection:  # rows as version 0003 wrote them
        connection.execute(text("INSERT INTO articles (id, content_hash, name, extra, text, words, added_at) "
                                "VALUES (1, :hash, 'a0', '{}', :text, 11, '2026-12-01 10:00:00')"),
                           {"hash": text_sha256(TEXT0), "text": TEXT0})
        connection.execute(text("INSERT INTO models VALUES (:version, 'ptc-minilm', '{}')"), {"version": VERSION})
        connection.execute(text("INSERT INTO analyses (id, article_id, model_version, warnings, covered_chars, "
                                "created_at, checkworthiness) VALUES (1, 1, :version, '[]', 8, '2026-12-01 10:00:01', '[]')"),
                           {"version": VERSION})
        connection.execute(text("INSERT INTO spans VALUES (1, 1, 9, 17, :technique, 0.9, 'traitors', '[]')"),
                           {"technique": NAME})
        connection.execute(text("INSERT INTO leases VALUES (1, 'other@version', 'host:1:token', 1.5)"))
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
    engine.dispose()
    spans_before = stored(database, SpanRow)

    sessions = open_database(database)  # upgrades to the head
    with sessions() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
        assert session.scalar(select(ArticleRow.text)) == TEXT0
        assert session.scalar(select(AnalysisRow.covered_chars)) == 8
        assert session.scalar(select(LeaseRow.holder)) == "host:1:token"
    assert stored(database, SpanRow) == spans_before == [(1, 1, 9, 17, NAME, 0.9, "traitors", [])]
    result = cli("corpus", "review", "import", write(tmp_path, document(entry("a0", REVIEW_A0[:1]))),
                 "--db", database, "-m", MODEL)
    assert result.exit_code == 0, result.output
    assert stored(database) == [(1, 1, VERSION, "reject", 9, 17, NAME, NAME, "ana", "2026-12-04T21:00:00Z")]


def test_import_stores_the_good_corrections_and_names_each_bad_one(database, tmp_path):
    build_corpus(database)
    spans_before = stored(database, SpanRow)
    corrections = write(tmp_path, document(
        entry("a0", [*REVIEW_A0,
                     correction("add", 42, 650, FEAR),  # past the end of the text
                     correction("relabel", 27, 41, "Sarcasm", LOADED),  # no such technique
                     correction("accept", 27, 41, LOADED, LOADED, time="yesterday")]),  # not ISO 8601
        entry("a1", [correction("accept", 0, 16, NAME, NAME)], digest=text_sha256("Shameful cowards lied.")),
        entry("a1", [correction("accept", 0, 16, NAME, NAME)], model="ptc-mpnet"),  # another model's spans
        entry("a1", [correction("accept", 0, 16, NAME, NAME, reviewer="")], model=None),
    ))
    result = cli("corpus", "review", "import", corrections, "--reviewer", "bo", "--db", database, "-m", MODEL)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 5
    assert "article 'a0', correction 5: unknown technique 'Sarcasm'" in errors[0]
    assert "article 'a0': span [42, 650) lies outside the text (66 characters)" in errors[1]
    assert "'yesterday' is not an ISO 8601" in errors[2]
    assert "article 'a1': no stored article has the text it was reviewed on" in errors[3]
    assert "reviewed on the spans of model 'ptc-mpnet'" in errors[4] and "--model" in errors[4]
    assert "4 corrections stored, 0 already stored, 5 left out" in result.stderr
    rows = stored(database)
    assert [(row[3], row[4], row[5], row[6], row[7], row[8]) for row in rows] == [
        ("reject", 9, 17, NAME, NAME, "ana"), ("relabel", 27, 41, NAME, LOADED, "ana"), ("add", 42, 65, FEAR, "", "ana"),
        ("accept", 0, 16, NAME, NAME, "bo")]  # --reviewer names the reviewer of a correction that names none
    assert {row[2] for row in rows} == {VERSION}  # a model named by its name, or none: --model's version
    assert stored(database, SpanRow) == spans_before  # the model's spans are never changed

    again = cli("corpus", "review", "import", corrections, "--reviewer", "bo", "--db", database, "-m", MODEL)
    assert "0 corrections stored, 4 already stored, 5 left out" in again.stderr
    assert stored(database) == rows  # an added span (no model technique) included


def test_unreadable_files_and_formats_are_one_line(tmp_path):
    from conftest import assert_one_line_error

    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    (tmp_path / "bad.json").write_text("{not json")
    assert_one_line_error(cli("corpus", "review", "import", tmp_path / "bad.json", "--db", database), "is not valid JSON")
    assert_one_line_error(cli("corpus", "review", "import", tmp_path / "none.json", "--db", database), "cannot read")
    assert_one_line_error(cli("corpus", "review", "import", write(tmp_path, {"articles": []}), "--db", database),
                          "not a corrections file")
    assert_one_line_error(cli("corpus", "review", "export", "-f", "xml", "--db", database), "--format")


def test_export_and_import_round_trip(database, tmp_path):
    build_corpus(database)
    items = [entry("a0", REVIEW_A0), entry("a1", [correction("accept", 0, 16, NAME, NAME, reviewer="bo")],
                                          model=VERSION)]
    assert cli("corpus", "review", "import", write(tmp_path, document(*items)), "--db", database, "-m", MODEL).exit_code == 0
    exported = tmp_path / "exported.json"
    result = cli("corpus", "review", "export", "-o", exported, "--db", database)
    assert result.exit_code == 0 and "4 corrections of 2 articles written to" in result.stderr
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data == document(*({**item, "model": VERSION} for item in items))
    assert json.loads(cli("corpus", "review", "export", "-o", "-", "--db", database).stdout) == data
    assert json.loads(cli("corpus", "review", "export", "--db", database, "-m", "accurate").stdout)["articles"] == []

    other = f"sqlite:///{tmp_path / 'other.sqlite'}"  # the same texts in another corpus, in another order
    build_corpus(other, ("a2", "a1", "a0"))
    assert cli("corpus", "review", "import", exported, "--db", other, "-m", "accurate").exit_code == 0
    again = json.loads(cli("corpus", "review", "export", "--db", other).stdout)
    assert again == {**data, "articles": data["articles"][::-1]}  # in the order of the other corpus's ids
    assert [item.article for _, item in corrections_in(open_database(other), VERSION)] == ["a1", "a0"]
    assert corrections_in(open_database(other), "ptc-mpnet@000000000000") == []


def test_reviewed_stats_and_exports_count_the_reviewed_spans_and_say_so(database, tmp_path):
    build_corpus(database)
    assert cli("corpus", "review", "import", write(tmp_path, document(entry("a0", REVIEW_A0))),
               "--db", database, "-m", MODEL).exit_code == 0

    def stats(*options: str) -> dict:
        result = cli("corpus", "stats", "--db", database, "-m", MODEL, "-f", "json", *options)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    model, reviewed = stats("--by", "technique"), stats("--by", "technique", "--reviewed")
    assert model["spans"] == "model"
    assert reviewed["spans"] == "reviewed where reviewed (1 article reviewed), else model"
    assert {group["technique"]: (group["articles"], group["spans"]) for group in model["groups"]} == {
        NAME: (2, 2), LOADED: (1, 1)}
    # a0: its name calling rejected, its loaded language relabelled name calling, and a fear appeal added.
    assert {group["technique"]: (group["articles"], group["spans"], group["reviewed"])
            for group in reviewed["groups"]} == {NAME: (2, 2, 1), FEAR: (1, 1, 1)}
    outlets = {group["outlet"]: group for group in stats("--by", "outlet", "--reviewed")["groups"]}
    chars = len(TEXT0) + len(ARTICLES["a2"][0])
    assert outlets["a.org"]["covered_share"] == round((41 - 27 + 65 - 42) / chars, 4)
    assert {outlet: group["reviewed"] for outlet, group in outlets.items()} == {"a.org": 1, "b.org": 0}
    model_outlets = {group["outlet"]: group for group in stats("--by", "outlet")["groups"]}
    assert model_outlets["a.org"]["covered_share"] == round((17 - 9 + 41 - 27) / chars, 4)
    table = cli("corpus", "stats", "--db", database, "-m", MODEL, "--by", "technique", "--reviewed", "-f", "csv")
    assert "spans: reviewed where reviewed (1 article reviewed), else model" in table.stderr
    assert {row["technique"]: row["reviewed"] for row in csv.DictReader(io.StringIO(table.stdout))} == {NAME: "1", FEAR: "1"}
    assert "spans: model" in cli("corpus", "stats", "--db", database, "-m", MODEL).stderr

    rows = cli("corpus", "export", "-f", "csv", "--db", database, "-m", MODEL, "--reviewed")
    assert "(csv; spans: reviewed where reviewed (1 article reviewed), else model)" in rows.stderr
    assert [(row["name"], row["start"], row["technique"], row["probability"], row["review"])
            for row in csv.DictReader(io.StringIO(rows.stdout))] == [
        ("a0", "27", NAME, "", "relabel"), ("a0", "42", FEAR, "", "add"), ("a1", "0", NAME, "0.8", "")]
    parquet = tmp_path / "spans.parquet"
    assert cli("corpus", "export", "-o", parquet, "--db", database, "-m", MODEL, "--reviewed").exit_code == 0
    assert pyarrow_parquet.read_table(parquet).column("review").to_pylist() == ["relabel", "add", ""]
    plain = cli("corpus", "export", "-f", "csv", "--db", database, "-m", MODEL)
    assert "spans: model)" in plain.stderr and "review" not in plain.stdout.splitlines()[0]
    lines = cli("corpus", "export", "-f", "jsonl", "--db", database, "-m", MODEL, "--reviewed").stdout.splitlines()
    analyses = {analysis["article"]["id"]: analysis for analysis in map(json.loads, lines)}
    assert [(span["start"], span["technique"]) for span in analyses["a0"]["spans"]] == [(27, NAME), (42, FEAR)]
    assert analyses["a0"]["summary"]["span_count"] == 2
    assert any("reviewed where reviewed" in warning for warning in analyses["a0"]["warnings"])
    assert not any("reviewed" in warning for warning in analyses["a1"]["warnings"])


@pytest.fixture
def api(database):
    """A served corpus (no analysis workers: the corpus pages need none) and the database it serves."""
    from propaganda_lens.server.app import ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource

    build_corpus(database)
    app = create_app(ModelSource(MODEL), ServerSettings(corpus_database=database, max_body_bytes=20_000))
    return TestClient(app, base_url="http://localhost"), database


def test_the_api_stores_and_serves_an_articles_corrections(api):
    client, database = api
    assert client.get("/corpus/articles/1/reviews").json() == document({**entry("a0", []), "model": VERSION})
    answer = client.post("/corpus/articles/1/reviews", json=document(entry("a0", [
        *REVIEW_A0, correction("add", 60, 600, FEAR), {"action": "add", "start": 1, "end": 4, "technique": "Sarcasm"}])))
    assert answer.status_code == 200
    body = answer.json()
    assert body["stored"] == 3 and body["already_stored"] == 0 and len(body["problems"]) == 2
    assert "unknown technique 'Sarcasm'" in body["problems"][0] and "outside the text" in body["problems"][1]
    assert client.get("/corpus/articles/1/reviews").json() == document({**entry("a0", REVIEW_A0), "model": VERSION})
    again = client.post("/corpus/articles/1/reviews", json=document(entry("a0", REVIEW_A0, model=VERSION)))
    assert again.json() == {"stored": 0, "already_stored": 3, "problems": []}
    assert len(stored(database)) == 3
    page = client.get("/corpus/articles/1")
    assert page.status_code == 200 and "connect-src 'self'" in page.headers["content-security-policy"]
    review = json.loads(re.search(r'<script[^>]*id="review-data"[^>]*>(.*?)</script>', page.text, re.S).group(1))
    assert review["review_url"] == "/corpus/articles/1/reviews"  # the page POSTs its corrections here
    assert [item["action"] for item in review["corrections"]] == ["reject", "relabel", "add"]  # shown as stored


def test_the_api_refuses_what_it_cannot_store(api):
    client, database = api
    good = document(entry("a0", REVIEW_A0))

    def error(response, status: int, fragment: str) -> None:
        assert response.status_code == status, response.text
        assert fragment in response.json()["error"]["message"]

    error(client.post("/corpus/articles/1/reviews", content=b"{not json"), 400, "not JSON")
    error(client.post("/corpus/articles/1/reviews", json={"articles": []}), 400, "not a corrections file")
    error(client.post("/corpus/articles/1/reviews", json=document(entry("a0", []), entry("a0", []))), 400, "one article")
    error(client.post("/corpus/articles/1/reviews", json=document({"article": "a0"})), 400, "text_sha256")
    error(client.post("/corpus/articles/2/reviews", json=good), 409, "another text")
    error(client.post("/corpus/articles/1/reviews", json=document(entry("a0", REVIEW_A0, model="ptc-mpnet"))), 409,
          "ptc-mpnet")
    for missing in ("999", "0", "9223372036854775808", "-9223372036854775809"):
        error(client.get(f"/corpus/articles/{missing}/reviews"), 404, "no article")
        error(client.post(f"/corpus/articles/{missing}/reviews", json=good), 404, "no article")
    huge = document(entry("a0", [correction("add", 0, 4, FEAR, time="")] * 400))
    error(client.post("/corpus/articles/1/reviews", json=huge), 413, "byte limit")
    assert stored(database) == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(
                        st.sampled_from(["format", "version", "articles", "article", "text_sha256", "corrections",
                                         "action", "start", "end", "technique"]), children, max_size=4),
                    max_leaves=20))
def test_any_json_body_gets_an_answer_not_a_failure(api, body):
    client, _ = api
    data = document(entry("a0", [body])) if isinstance(body, dict) and "action" in body else body
    assert client.post("/corpus/articles/1/reviews", json=data).status_code in (200, 400, 409)


def test_the_dashboard_counts_reviewed_spans_and_says_so(tmp_path):
    from propaganda_lens.corpus.dashboard import dashboard_data
    from propaganda_lens.corpus.reviews import reviewed_articles
    from propaganda_lens.corpus.store import snapshot
    from propaganda_lens.server.app import ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource

    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    build_corpus(database)
    the = [entry("a0", [*REVIEW_A0, correction("add", 23, 26, LOADED)]),  # "the" in both: a repeated phrase
           entry("a1", [correction("add", 40, 43, LOADED)])]
    assert cli("corpus", "review", "import", write(tmp_path, document(*the)), "--db", database, "-m", MODEL).exit_code == 0
    sessions = open_database(database)
    with snapshot(sessions) as session:
        model = dashboard_data(session, VERSION)
        reviewed = dashboard_data(session, VERSION, reviewed=reviewed_articles(session, VERSION))
    assert model["spans"] == "model" and model["phrases"] == []
    assert reviewed["spans"] == "reviewed where reviewed (2 articles reviewed), else model"
    assert reviewed["phrases"] == ["the"] and len(reviewed["occurrences"]) == 2
    techniques = {row[1]: {TECHNIQUES[index]: count for index, count in row[7].items()} for row in reviewed["articles"]}
    assert techniques["a0"] == {NAME: 1, FEAR: 1, LOADED: 1} and techniques["a1"] == {NAME: 1, LOADED: 1}

    page = tmp_path / "dashboard.html"
    result = cli("corpus", "report", "-o", page, "--db", database, "-m", MODEL, "--reviewed", "--article-reports", "1")
    assert result.exit_code == 0 and "(spans: reviewed where reviewed (2 articles reviewed), else model)" in result.stderr
    assert "spans: reviewed where reviewed (2 articles reviewed), else model." in page.read_text(encoding="utf-8")
    served = create_app(ModelSource(MODEL), ServerSettings(corpus_database=database, corpus_reviewed=True))
    assert "spans: reviewed where reviewed" in TestClient(served, base_url="http://localhost").get("/corpus").text


def decisions(url: str) -> list[tuple]:
    """(article name, action, start, end, technique, model technique, reviewer, time) of each stored decision."""
    with open_database(url)() as session:
        rows = session.execute(select(ArticleRow.name, ReviewRow).join(ReviewRow, ReviewRow.article_id == ArticleRow.id)
                               .order_by(ArticleRow.name, ReviewRow.start, ReviewRow.action)).all()
    return [(name, row.action, row.start, row.end, row.technique, row.model_technique, row.reviewer, row.time)
            for name, row in rows]


def set_time(path: Path, iso: str) -> None:
    from datetime import datetime

    stamp = datetime.fromisoformat(iso).timestamp()
    os.utime(path, (stamp, stamp))


def test_annotation_tools_round_trip_through_the_corpus(database, tmp_path):
    build_corpus(database)
    exported = {}
    for tool, name in (("label-studio", "tasks.json"), ("inception", "review.zip"), ("doccano", "review.jsonl"),
                       ("ptc", "review.labels")):
        exported[tool] = tmp_path / name
        result = cli("corpus", "review", "export", "-f", tool, "-o", exported[tool], "--db", database, "-m", MODEL)
        assert result.exit_code == 0 and f"3 articles with the spans of {VERSION} written to" in result.stderr
    # A doccano reviewer drops a0's name calling, relabels its loaded language, keeps a1's and marks one in a2.
    lines = [json.loads(line) for line in exported["doccano"].read_text(encoding="utf-8").splitlines()]
    assert [line["label"] for line in lines] == [[[9, 17, NAME], [27, 41, LOADED]], [[0, 16, NAME]], []]
    lines[0]["label"], lines[2]["label"] = [[27, 41, FEAR]], [[7, 21, LOADED], [0, 99, LOADED], [0, 4, "Sarcasm"]]
    exported["doccano"].write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    set_time(exported["doccano"], "2026-12-04T22:00:00+00:00")
    result = cli("corpus", "review", "import", "-f", "doccano", exported["doccano"], "--reviewer", "cy", "--db", database,
                 "-m", MODEL)
    assert result.exit_code == 1 and "4 corrections stored, 0 already stored, 2 left out" in result.stderr
    assert "(article 'a2'), label 2: offset" in result.stderr and "label 3: unknown technique 'Sarcasm'" in result.stderr
    time = "2026-12-04T22:00:00Z"
    assert decisions(database) == [
        ("a0", "reject", 9, 17, NAME, NAME, "cy", time), ("a0", "relabel", 27, 41, FEAR, LOADED, "cy", time),
        ("a1", "accept", 0, 16, NAME, NAME, "cy", time), ("a2", "add", 7, 21, LOADED, "", "cy", time)]
    again = cli("corpus", "review", "import", "-f", "doccano", exported["doccano"], "--reviewer", "cy", "--db", database,
                "-m", MODEL)
    assert "0 corrections stored, 4 already stored, 2 left out" in again.stderr

    # Unchanged, the other tools' files accept every span of the model (Label Studio: its predictions as annotations).
    tasks = json.loads(exported["label-studio"].read_text(encoding="utf-8"))
    for number, task in enumerate(tasks, 1):
        task["annotations"] = [{"id": number, "result": task["predictions"][0]["result"],
                                "completed_by": {"email": "lee@example.org"}}]
    exported["label-studio"].write_text(json.dumps(tasks), encoding="utf-8")
    for minute, tool in enumerate(("label-studio", "inception", "ptc"), 1):
        set_time(exported[tool], f"2026-12-04T22:{minute:02}:00+00:00")  # the same decisions at the same time: stored once
        before = set(decisions(database))
        result = cli("corpus", "review", "import", "-f", tool, exported[tool], "--db", database, "-m", MODEL)
        assert result.exit_code == 0 and "3 corrections stored" in result.stderr, (tool, result.output)
        added = set(decisions(database)) - before
        assert sorted(row[:6] for row in added) == [("a0", "accept", 9, 17, NAME, NAME), ("a0", "accept", 27, 41, LOADED, LOADED),
                                                    ("a1", "accept", 0, 16, NAME, NAME)], tool
        assert {row[6] for row in added} == {"lee@example.org" if tool == "label-studio" else ""}
    assert len(stored(database, SpanRow)) == 3  # the model's spans, as stored


def test_annotation_tool_files_that_cannot_be_read_are_one_line(tmp_path):
    from conftest import assert_one_line_error

    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert_one_line_error(cli("corpus", "review", "export", "-f", "doccano", "--db", database, "-m", MODEL),
                          "not written to standard output")
    assert_one_line_error(cli("corpus", "review", "export", "-f", "doccano", "-o", tmp_path / "x.jsonl", "--db", database,
                              "-m", MODEL), "no article has an analysis")
    (tmp_path / "bad.json").write_text("{}")
    assert_one_line_error(cli("corpus", "review", "import", "-f", "label-studio", tmp_path / "bad.json", "--db", database,
                              "-m", MODEL), "not a Label Studio JSON export")


def test_adapt_takes_the_corrections_stored_in_a_corpus(small_ptc, cache, tmp_path):
    from conftest import assert_one_line_error
    from test_adapt import PHRASE, TARGET, TEXTS

    from propaganda_lens.detect.detector import Detector

    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with writing(open_database(database)) as session:
        session.add_all(ArticleRow(content_hash=text_sha256(body), name=f"t{number}", text=body, extra={},
                                   words=len(body.split())) for number, body in enumerate(TEXTS))
    base, entries = Detector.from_disk(MODEL), []
    for number, body in enumerate(TEXTS):
        start = body.index(PHRASE)
        found = base.classify_spans(body, [Span(start, start + len(PHRASE))])[0].technique
        entries.append({"article": f"t{number}", "text_sha256": text_sha256(body), "model": None, "corrections": [
            correction("relabel", start, start + len(PHRASE), TARGET, found)]})
    assert cli("corpus", "review", "import", write(tmp_path, document(*entries)), "--db", database, "-m", MODEL).exit_code == 0
    result = cli("adapt", "--db", database, "--ptc", small_ptc, "-o", tmp_path / "adapted", "--model", MODEL,
                 "--cache", cache)
    assert result.exit_code == 0, result.output
    assert "on 3 corrections of 3 articles" in result.stderr
    used = json.loads((tmp_path / "adapted" / "corrections.json").read_text(encoding="utf-8"))
    assert [entry["article"] for entry in used["articles"]] == ["t0", "t1", "t2"]
    assert_one_line_error(cli("adapt", "--db", database, "--ptc", small_ptc, "-o", tmp_path / "other", "--model", "accurate"),
                    "holds no corrections of the spans of ptc-mpnet@")
    assert_one_line_error(cli("adapt", "--ptc", small_ptc, "-o", tmp_path / "other"), "--corrections FILE, or --db URL")
    assert_one_line_error(cli("adapt", "--db", database, "--ptc", small_ptc, "-o", tmp_path / "other", "x.txt"), "give no SOURCE")
