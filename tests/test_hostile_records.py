"""Hostile records and pages past ingestion: charsets that are not text codecs (CLI, corpus, server), JSON
lines nested too deep, characters XML forbids in the graph exports, the claims command's TSV, private URLs
from the library and the CLI, and analyses whose client has gone."""

import io
import json
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import assert_one_line_error, http_site, live_server
from propaganda_lens.cli.claims import MAX_LINE_BYTES, sentences_of
from propaganda_lens.cli.main import app
from propaganda_lens.corpus.add import MAX_DEPTH, nesting_depth
from propaganda_lens.corpus.store import ArticleRow, FailureRow, open_database

runner = CliRunner()
GOOD_PAGE = ("<html><head><title>Harbour bridge</title></head><body><article><p>The council voted on Tuesday to "
             "close the harbour bridge. Critics called the decision a reckless betrayal of the town.</p>"
             "</article></body></html>").encode()
SLOW_S = 30.0


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(SLOW_S)
        charset = {"/rot13": "rot13", "/hex": "hex", "/zlib": "zlib"}.get(self.path, "utf-8")
        self.send_response(200)
        self.send_header("Content-Type", f"text/html; charset={charset}")
        self.send_header("Content-Length", str(len(GOOD_PAGE)))
        self.end_headers()
        self.wfile.write(GOOD_PAGE)


@pytest.fixture(scope="module")
def site():
    with http_site(_Site) as url:
        yield url


def cli(*arguments):
    return runner.invoke(app, [str(argument) for argument in arguments])


def stored(database: str) -> tuple[list[str], list[str]]:
    with open_database(database)() as session:
        return (list(session.scalars(select(ArticleRow.source))),
                list(session.scalars(select(FailureRow.message))))


@pytest.mark.parametrize("charset", ["rot13", "hex", "zlib"])
def test_corpus_add_stores_the_good_page_before_one_that_declares_a_codec_that_is_not_text(site, tmp_path, charset):
    database = f"sqlite:///{tmp_path / 'corpus.sqlite'}"
    result = cli("corpus", "add", f"{site}/good", f"{site}/{charset}", "--db", database, "--allow-private-urls")
    assert result.exit_code == 1 and "Traceback" not in result.output
    sources, failures = stored(database)
    assert sources == [f"{site}/good"]
    assert len(failures) == 1 and f"declares charset '{charset}', not a text encoding" in failures[0]


def test_corpus_add_and_analyze_refuse_private_urls_unless_allowed(site, tmp_path):
    database = f"sqlite:///{tmp_path / 'corpus.sqlite'}"
    result = cli("corpus", "add", f"{site}/good", "--db", database)
    assert result.exit_code == 1 and stored(database) == ([], [f"{site}/good: points to a private or local network "
                                                                "address, which is not fetched unless allowed "
                                                                "(--allow-private-urls)"])
    assert_one_line_error(cli("analyze", f"{site}/good"), "private or local network address")


def test_analyze_reports_a_page_with_a_codec_that_is_not_text_and_goes_on(site):
    result = cli("analyze", f"{site}/rot13", f"{site}/good", "-f", "json", "--allow-private-urls", "-m", "fast")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [json.loads(line)["article"]["source"] for line in result.stdout.splitlines()] == [f"{site}/good"]
    assert "declares charset 'rot13', not a text encoding" in result.stderr


def test_json_lines_nested_too_deep_are_one_failure_and_the_good_records_are_stored(tmp_path):
    records = tmp_path / "records.jsonl"
    good = json.dumps({"text": "The council voted to close the bridge. Critics called it a betrayal."})
    deep = '{"text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    records.write_text("\n".join([good, deep, good.replace("bridge", "road")]) + "\n", encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'corpus.sqlite'}"
    result = cli("corpus", "add", records, "--db", database)
    assert result.exit_code == 1 and "Traceback" not in result.output
    sources, failures = stored(database)
    assert sources == [f"{records}:1", f"{records}:3"]
    assert failures == [f"{records}:2: nests arrays or objects more than {MAX_DEPTH} deep; an article record needs 2"]


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text('[]{}"\\'), inner, max_size=3),
                    max_leaves=30))
def test_nesting_depth_is_the_depth_of_arrays_and_objects(value):
    def depth(item) -> int:
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        return 0 if children is None else 1 + max(map(depth, children), default=0)

    assert nesting_depth(json.dumps(value)) == depth(value)


def test_graph_exports_stay_well_formed_xml_on_hostile_text(tmp_path):
    import networkx

    from propaganda_lens.api import full_analysis
    from propaganda_lens.ingest.sources import article_from_text
    from propaganda_lens.report.graph import to_gexf, to_graphml

    text = ("Russia\x1f supports Khalifa Haftar\x0b in Libya, the minister said.\x1b\n\n"
            "Egypt\x01 opposes Turkey \ufffe and Qatar.\x7f")
    analysis = full_analysis(article_from_text(text, "hostile\x02", "hostile", input_format="text"), [], "none", {})
    assert analysis.relations  # the evidence sentences carry the forbidden characters
    for suffix, write, read in ((".graphml", to_graphml, networkx.read_graphml), (".gexf", to_gexf, networkx.read_gexf)):
        path = tmp_path / f"graph{suffix}"
        path.write_text(write(analysis), encoding="utf-8")
        graph = read(path)
        evidence = [data["evidence"] for _, _, data in graph.edges(data=True)]
        assert evidence and all("\ufffd" in sentence for sentence in evidence)
    assert networkx.read_graphml(tmp_path / "graph.graphml").graph["replaced_characters"] >= 3


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.characters(max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=40))
def test_graph_exports_read_back_whatever_an_actor_is_called(name):
    from dataclasses import replace

    import networkx

    from propaganda_lens.api import full_analysis
    from propaganda_lens.data import Actor
    from propaganda_lens.ingest.sources import article_from_text
    from propaganda_lens.report.graph import to_graphml

    analysis = full_analysis(article_from_text("Russia supports Haftar.", "a", "a", input_format="text"), [], "m", {})
    actor = Actor(id="x", name=name, kind="person", mentions=[])
    graph = networkx.parse_graphml(to_graphml(replace(analysis, actors=[actor], relations=[])))
    assert len(graph.nodes) == 1


def claims_rows(data: bytes, max_bytes: int = 10**8) -> list[tuple[str, str]]:
    return list(sentences_of(io.BytesIO(data), max_bytes))


def test_claims_tsv_reads_quotes_as_text_strips_the_bom_and_caps_lines():
    rows = b'\xef\xbb\xbfSentence_id\tText\n1\t"He said\n2\tso"\n3\t"quoted"\n4\tplain\n5\tend\n'
    assert claims_rows(rows) == [("1", '"He said'), ("2", 'so"'), ("3", '"quoted"'), ("4", "plain"), ("5", "end")]
    with pytest.raises(ValueError, match="line 2: over the 100,000-byte cap for a line"):
        claims_rows(b"Sentence_id\tText\n1\t" + b"x" * 200_000 + b"\n")
    with pytest.raises(ValueError, match="line 3: the input is over the 40-byte cap"):
        claims_rows(b"Sentence_id\tText\n1\tfirst one\n2\tsecond one\n", max_bytes=40)
    with pytest.raises(ValueError, match="line 2: expected the 2 columns of the header, found 3"):
        claims_rows(b"Sentence_id\tText\n1\ta\tb\n")


def test_claims_command_on_a_field_over_csv_s_limit_is_one_line(tmp_path):
    source = tmp_path / "big.tsv"
    source.write_bytes(b"Sentence_id\tText\n1\t" + b"x" * 140_000 + b"\n")
    assert_one_line_error(cli("claims", source), f"line 2: over the {MAX_LINE_BYTES:,}-byte cap for a line")
    assert_one_line_error(cli("claims", source, "--max-bytes", "100"), "over the 100-byte cap")


TSV_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\t\n\r\x0b\x0c\x1c\x1d\x1e"
                                          "\x85\u2028\u2029"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.text("0123456789", min_size=1, max_size=5), TSV_TEXT), max_size=12),
       bom=st.booleans(), crlf=st.booleans())
def test_no_tsv_row_is_ever_dropped(rows, bom, crlf):
    end = "\r\n" if crlf else "\n"
    data = ("\ufeff" if bom else "") + "Sentence_id\tText" + end + "".join(f"{i}\t{t}{end}" for i, t in rows)
    kept = [(i, t) for i, t in rows if f"{i}\t{t}".strip()]
    assert claims_rows(data.encode("utf-8")) == kept


@contextmanager
def slow_analysis_server(site):
    from propaganda_lens.server.app import ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource

    settings_ = ServerSettings(workers=1, queue=0, timeout_s=2 * SLOW_S, fetch_timeout_s=2 * SLOW_S,
                               allow_private_urls=True)
    with live_server(create_app(ModelSource("fast"), settings_)) as base:
        deadline = time.monotonic() + 120
        while httpx.get(f"{base}/health").json()["ready_workers"] < 1:
            assert time.monotonic() < deadline, "the worker did not load"
            time.sleep(0.5)
        yield base


def test_an_analysis_whose_client_has_gone_is_cancelled_and_frees_its_place(site):
    with slow_analysis_server(site) as base:
        with pytest.raises(httpx.ReadTimeout):  # the client gives up on a page that answers after SLOW_S
            httpx.post(f"{base}/api/analyze", json={"url": f"{site}/slow"}, timeout=1.0)
        started = time.monotonic()
        while httpx.get(f"{base}/health").json()["running_or_waiting"]:
            assert time.monotonic() - started < SLOW_S / 3, "the analysis kept its place after its client left"
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/health").json()["ready_workers"] < 1:  # its worker was replaced
            assert time.monotonic() < deadline
            time.sleep(0.5)
        answer = httpx.post(f"{base}/api/analyze", json={"url": f"{site}/rot13"}, timeout=60)
        assert answer.status_code == 422 and "not a text encoding" in answer.json()["error"]["message"]


def test_the_readme_gives_the_longest_article_the_default_timeout_lets_through():
    from pathlib import Path

    from propaganda_lens.server.app import ServerSettings, longest_article

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"the default {ServerSettings().timeout_s:g} s fits\n  articles of about {longest_article(30):,} characters" in readme
