"""Outlet names and ratings: the shipped table is what tools/build_outlet_ratings.py builds from the shared
data, lookups climb to the parent domain, and any URL or record text is handled without an exception."""

import json
import sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

from conftest import SHARED, shared
from propaganda_lens.corpus.add import article_of_record
from propaganda_lens.data import Article, Metadata
from propaganda_lens.enrich.outlets import domain_of, outlet_of, outlet_of_article, ratings_of
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.report.html import render_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import build_outlet_ratings  # noqa: E402


def test_the_shipped_table_is_what_the_build_script_makes():
    dataset = shared(SHARED / "data" / "news-media-reliability", "the news-media-reliability data")
    assert build_outlet_ratings.TABLE.read_text(encoding="utf-8") == build_outlet_ratings.build(dataset)


def test_outlets_and_their_ratings():
    assert outlet_of("Global Research", "https://www.globalresearch.ca/libya/5641234") == "globalresearch.ca"
    assert outlet_of("www.example.org", None) == "example.org"
    assert outlet_of("Al Jazeera", None) == "Al Jazeera"
    assert outlet_of(None, None) is None
    assert [(r.year, r.factuality) for r in ratings_of("edition.cnn.com")] == [(2020, "mixed"), (2018, "mixed")]
    assert ratings_of("example.invalid") == () and ratings_of(None) == ()
    assert ratings_of("com") == ()  # a public suffix alone never matches an outlet


def _years(url):
    return [(rating.year, rating.factuality) for rating in ratings_of(url)]


def test_outlets_rated_under_a_path_are_matched_by_host_and_longest_path_prefix():
    # The source rows name https://www.rt.com/news/, http://www.npr.org/sections/news/ and .../observer.
    assert _years("https://www.rt.com/news/512345-some-story/") == [(2018, "mixed")]
    assert _years("rt.com") == [(2018, "mixed")]  # a generic news section stands for the whole site
    assert _years("https://www.rt.com/op-ed/512345-x/") == [(2018, "mixed")]
    assert _years("https://www.npr.org/2020/05/01/848000000/story") == [(2018, "high")]
    assert _years("https://www.theguardian.com/observer/2019/x") == [(2018, "high")]
    # The Observer's rating is not The Guardian's: a publication's path stands only for itself.
    assert _years("https://www.theguardian.com/world/2020/jan/01/story") == []
    assert _years("theguardian.com") == []
    assert _years("https://people.com/politics/story") == [(2020, "high"), (2018, "high")]
    assert _years("https://people.com/style/story") == []


def test_the_outlet_is_named_as_the_page_names_itself():
    site = Article("a", "Text.", metadata=Metadata(site="RT", url="https://www.rt.com/news/1-x/"))
    assert outlet_of_article(site).name == "RT" and [r.year for r in outlet_of_article(site).ratings] == [2018]
    assert outlet_of_article(Article("b", "Text.", metadata=Metadata(site="Global Research"))).name == "Global Research"
    assert outlet_of_article(Article("c", "Text.", metadata=Metadata(site="www.rt.com"))).name == "rt.com"
    assert outlet_of_article(Article("d", "Text.", metadata=Metadata(url="https://www.rt.com/news/"))).name == "rt.com"


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_url_or_site_text_gives_a_domain_or_none(value):
    domain = domain_of(value)
    assert domain is None or (domain and " " not in domain.strip())
    outlet_of(value, value)
    ratings_of(outlet_of(value, None))


records = st.dictionaries(
    st.sampled_from(["text", "html", "id", "title", "author", "date", "site", "url", "outlet", "region"]),
    st.one_of(st.text(max_size=80), st.integers(), st.none(), st.lists(st.integers(), max_size=2)),
    max_size=8,
)


@given(st.one_of(records.map(json.dumps), st.text(max_size=100)))
@settings(max_examples=300, deadline=None)
def test_any_json_line_becomes_an_article_or_one_clear_error(line):
    result = article_of_record(line, "input.jsonl:1", "input-1")
    assert isinstance(result, (Article, IngestError))
    if isinstance(result, IngestError):
        assert str(result).startswith("input.jsonl:1: ")
    else:
        assert result.text.strip() and (result.metadata.date is None or len(result.metadata.date) == 10)


def test_every_analysis_and_report_names_the_outlet_and_its_ratings():
    from propaganda_lens.enrich import enrich
    from propaganda_lens.report.terminal import render
    from rich.console import Console

    rated = Article("a", "Traitors everywhere.", metadata=Metadata(url="https://www.breitbart.com/politics/x/"))
    analysis = enrich(rated, [], "test-model")
    assert analysis.to_dict()["outlet"] == {"name": "breitbart.com", "ratings": [
        {"factuality": "low", "bias": "right", "year": 2020, "source": "Media Bias/Fact Check, via Baly et al. 2020",
         "page": "http://mediabiasfactcheck.com/breitbart/"},
        {"factuality": "mixed", "bias": "right", "year": 2018, "source": "Media Bias/Fact Check, via Baly et al. 2018",
         "page": "http://mediabiasfactcheck.com/breitbart/"}]}
    assert "Outlet: breitbart.com: low factuality, right bias (Media Bias/Fact Check, via Baly et al. 2020)" in render_html(analysis)
    unrated = enrich(Article("b", "Traitors everywhere.", metadata=Metadata(site="A Small Blog")), [], "test-model")
    assert "Outlet: A Small Blog: not rated" in render_html(unrated)
    console = Console(width=200, record=True)
    console.print(render(unrated))
    assert "Outlet: A Small Blog: not rated" in console.export_text()
    assert enrich(Article("c", "Text."), [], "m").to_dict()["outlet"] == {"name": None, "ratings": []}


def test_json_lines_are_read_a_bounded_line_at_a_time(tmp_path):
    from propaganda_lens.corpus.add import read_json_lines

    path = tmp_path / "feed.jsonl"
    long_line = json.dumps({"text": "x " * 200})
    path.write_bytes(b"\n".join([json.dumps({"text": "First text here."}).encode(), long_line.encode(),
                                 b"\xff\xfe not utf-8", b"", json.dumps({"text": "Last text."}).encode()]) + b"\n")
    results = list(read_json_lines(path, max_bytes=100))
    assert [name.rsplit(":", 1)[1] for name, _ in results] == ["1", "2", "3", "5"]
    assert isinstance(results[0][1], Article) and results[0][1].text == "First text here."
    assert "over the 0.0001 MB cap" in str(results[1][1]) and "not valid UTF-8" in str(results[2][1])
    assert results[3][1].text == "Last text."
    assert "no such file" in str(list(read_json_lines(tmp_path / "none.jsonl", 100))[0][1])
