"""News feeds as a corpus source, against a real local web site: RSS 2.0, RSS 1.0 and Atom feeds add each item's
page with its date and outlet, a feed read again adds only its new items (their pages are not downloaded),
and every download, the feed's and each item's, keeps the address checks and caps; any bytes served as a
feed give items or one line."""

import time
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import http_site
from test_corpus import cli, database  # noqa: F401 - fixture
from propaganda_lens.corpus.store import ArticleRow, FailureRow, open_database
from propaganda_lens.ingest import fetch as fetch_module
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.feeds import FeedItem, feed_items
from propaganda_lens.ingest.fetch import Fetched

PARAGRAPH = ("The minister told reporters on Tuesday that the harbour plan would cost far more than the council had "
             "said, and that the people of the city deserved to hear the truth about it before the vote.")


def page(title: str, extra_head: str = "") -> bytes:
    """An article page: a title and three paragraphs of prose that name it."""
    paragraphs = "".join(f"<p>{title}: {PARAGRAPH} Part {n}.</p>" for n in range(3))
    return (f"<!DOCTYPE html><html><head><title>{title}</title>{extra_head}</head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()


def rss(items: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>Courier</title><link>/</link>{items}</channel></rss>'


def rss_item(link: str, date: str = "") -> str:
    return f"<item><title>t</title><link>{link}</link>{f'<pubDate>{date}</pubDate>' if date else ''}</item>"


PAGES = {
    "/news/alpha.html": page("Alpha"),
    "/news/beta.html": page("Beta", '<meta property="article:published_time" content="2019-05-16T08:00:00Z">'
                                    '<link rel="canonical" href="https://www.courier.example/news/beta">'),
    "/news/gamma.html": page("Gamma"),
    "/news/delta.html": page("Delta"),
    "/news/epsilon.html": page("Epsilon"),
    "/news/caf%C3%A9.html": page("Cafe"),
}
FEEDS = {
    # Relative links resolve against the feed's address; beta's page gives its own date and canonical address.
    "/rss.xml": ("application/rss+xml; charset=utf-8", rss(
        rss_item("/news/alpha.html", "Tue, 02 Jun 2020 10:00:00 GMT")
        + rss_item("news/beta.html", "Wed, 03 Jun 2020 10:00:00 GMT") + rss_item("/news/gamma.html")).encode()),
    "/atom.xml": ("application/atom+xml", b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                  b"<title>Courier</title><id>urn:c</id><updated>2021-01-01T00:00:00Z</updated>"
                  b'<entry><title>a</title><id>urn:a</id><link href="/news/alpha.html"/>'
                  b"<updated>2021-01-01T00:00:00Z</updated></entry>"
                  b'<entry><title>d</title><id>urn:d</id><link rel="alternate" href="/news/delta.html"/>'
                  b"<published>2021-02-03T23:30:00-05:00</published><updated>2021-03-01T00:00:00Z</updated></entry>"
                  b"</feed>"),
    # RSS 1.0 (RDF) served as plain XML: a feed by its root element.
    "/rdf": ("text/xml; charset=utf-8", b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
             b'syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
             b'<channel rdf:about="x"><title>c</title><link>/</link></channel>'
             b'<item rdf:about="e"><title>e</title><link>/news/epsilon.html</link><dc:date>2022-07-08</dc:date></item>'
             b"</rdf:RDF>"),
    # Latin-1 by the HTTP header alone: the item's link is read as café, which the download sends as UTF-8.
    "/latin1.xml": ("application/rss+xml; charset=iso-8859-1",
                    rss(rss_item("/news/café.html"), '<?xml version="1.0"?>').encode("latin-1")),
    "/note.xml": ("application/xml", b'<?xml version="1.0"?><note><to>Tove</to></note>'),
    "/broken.xml": ("application/rss+xml", rss(rss_item("/news/alpha.html")).encode()[:-30]),
    "/big.xml": ("application/rss+xml", rss(rss_item("/news/alpha.html") * 200).encode()),
    "/private.xml": ("application/rss+xml",
                     rss(rss_item("http://10.20.30.40/internal") + rss_item("/news/alpha.html")).encode()),
    "/linkless.xml": ("application/rss+xml", rss("<item><title>no link</title></item>"
                                                 + rss_item("javascript:alert(1)") + rss_item("/news/alpha.html")).encode()),
    "/pdf-item.xml": ("application/rss+xml", rss(rss_item("/report.pdf") + rss_item("/rss.xml")).encode()),
}


class _Site(BaseHTTPRequestHandler):
    """A local news site: its feeds, its pages, a slow feed, a PDF and a feed body the test sets."""

    paths: list[str] = []  # every path asked for, in order
    accepts: list[str] = []  # the Accept header of each request
    fuzzed = (b"", "application/rss+xml")  # what /fuzz serves

    def log_message(self, *args):
        pass

    def _send(self, content_type: str, body: bytes, status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.paths.append(self.path)
        self.accepts.append(self.headers.get("Accept", ""))
        if self.path in PAGES:
            self._send("text/html; charset=utf-8", PAGES[self.path])
        elif self.path in FEEDS:
            self._send(*FEEDS[self.path])
        elif self.path == "/slow.xml":
            time.sleep(1.5)
            try:
                self._send(*FEEDS["/rss.xml"])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should
        elif self.path == "/report.pdf":
            self._send("application/pdf", b"%PDF-1.7")
        elif self.path == "/fuzz":
            self._send(self.fuzzed[1], self.fuzzed[0])
        else:
            self._send("text/html", b"<h1>Not found</h1>", 404)


@pytest.fixture(scope="module")
def site():
    with http_site(_Site) as url:
        yield url


def add(database: str, *sources: str, private: bool = True, extra: tuple[str, ...] = ()):
    _Site.paths.clear()
    _Site.accepts.clear()
    return cli("corpus", "add", *sources, "--db", database, *(("--allow-private-urls",) if private else ()), *extra)


def stored(database: str) -> dict[str, ArticleRow]:
    with open_database(database)() as session:
        return {row.source: row for row in session.scalars(select(ArticleRow))}


def summary(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_rss_atom_and_rdf_feeds_add_each_new_item_with_its_date_and_outlet(site, database, tmp_path):
    first = add(database, f"{site}/rss.xml")
    assert first.exit_code == 0, first.output
    assert "application/rss+xml" in _Site.accepts[0] and "rss" not in _Site.accepts[1]  # items are asked as pages
    assert summary(first) == "3 articles added, 0 already stored, 0 failed"
    rows = stored(database)
    alpha, beta, gamma = (rows[f"{site}/news/{name}.html"] for name in ("alpha", "beta", "gamma"))
    assert alpha.published == "2020-06-02"  # the page gives no date: the feed's
    assert beta.published == "2019-05-16"  # the page's own date comes first
    assert gamma.published is None  # neither gives one
    assert (alpha.outlet, beta.outlet) == ("127.0.0.1", "courier.example")  # as for any page: its URL's host
    assert beta.url == "https://www.courier.example/news/beta" and alpha.extra["feed"] == f"{site}/rss.xml"
    assert alpha.text.startswith("Alpha\n\nAlpha: The minister")

    # Read again, with a feed that shares an item: only the new items' pages are downloaded.
    again = add(database, f"{site}/rss.xml", f"{site}/atom.xml", f"{site}/rdf")
    assert again.exit_code == 0, again.output
    assert summary(again) == "2 articles added, 4 already stored, 0 failed"
    assert _Site.paths == ["/rss.xml", "/atom.xml", "/news/delta.html", "/rdf", "/news/epsilon.html"]
    rows = stored(database)
    assert rows[f"{site}/news/delta.html"].published == "2021-02-04"  # <published> before <updated>, in UTC
    assert rows[f"{site}/news/epsilon.html"].published == "2022-07-08"
    assert len(rows) == 5

    # A page added on its own is known to a feed by its address, so not downloaded again.
    direct = f"sqlite:///{tmp_path / 'd.sqlite'}"
    assert add(direct, f"{site}/news/alpha.html").exit_code == 0
    by_feed = add(direct, f"{site}/rss.xml")
    assert summary(by_feed) == "2 articles added, 1 already stored, 0 failed"
    assert "/news/alpha.html" not in _Site.paths
    assert stored(direct)[f"{site}/news/alpha.html"].outlet == alpha.outlet


def test_a_feed_named_twice_in_one_command_downloads_each_item_once(site, tmp_path):
    result = add(f"sqlite:///{tmp_path / 'c.sqlite'}", f"{site}/rss.xml", f"{site}/rss.xml")
    assert summary(result) == "3 articles added, 3 already stored, 0 failed", result.output
    assert _Site.paths.count("/news/alpha.html") == 1


def test_the_feed_is_decoded_by_its_declared_charset(site, tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    result = add(database, f"{site}/latin1.xml")
    assert result.exit_code == 0, result.output
    assert _Site.paths == ["/latin1.xml", "/news/caf%C3%A9.html"]


@pytest.mark.parametrize(("path", "fragment"), [
    ("/note.xml", "is application/xml but not an RSS or Atom feed"),
    ("/broken.xml", "is not a well-formed RSS or Atom feed (line 1, column"),
    ("/report.pdf", "is application/pdf, not an HTML page, text or news feed"),
])
def test_a_document_that_is_not_a_readable_feed_is_one_line(site, tmp_path, path, fragment):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    result = add(database, f"{site}{path}")
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(lines) == 2 and fragment in lines[0] and lines[1] == "0 articles added, 0 already stored, 1 failed"
    assert _Site.paths == [path]  # nothing else downloaded


def test_the_feed_download_keeps_the_caps_and_the_address_checks(site, tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    too_big = add(database, f"{site}/big.xml", extra=("--max-bytes", "5000"))
    assert "larger than the 0.005 MB cap" in too_big.stderr and too_big.exit_code == 1
    slow = add(database, f"{site}/slow.xml", extra=("--timeout", "0.5"))
    assert "no complete answer within 0.5 s" in slow.stderr and slow.exit_code == 1
    refused = add(database, f"{site}/rss.xml", private=False)
    assert "points to a private or local network address" in refused.stderr and _Site.paths == []
    assert stored(database) == {}


def test_each_item_download_keeps_the_address_checks_and_the_batch_goes_on(site, tmp_path, monkeypatch):
    public_check = fetch_module.is_public
    monkeypatch.setattr(fetch_module, "is_public", lambda address: address == "127.0.0.1" or public_check(address))
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    result = add(database, f"{site}/private.xml", private=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: http://10.20.30.40/internal: points to a private or local network address, which is "
                      "not fetched unless allowed (--allow-private-urls)"]
    assert summary(result) == "1 articles added, 0 already stored, 1 failed" and result.exit_code == 1
    assert list(stored(database)) == [f"{site}/news/alpha.html"]
    with open_database(database)() as session:
        assert session.scalars(select(FailureRow.source)).all() == ["http://10.20.30.40/internal"]


def test_items_without_a_page_are_one_line_each(site, tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    linkless = add(database, f"{site}/linkless.xml")
    errors = [line for line in linkless.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {site}/linkless.xml: item 1 has no link to a page; it is left out",
                      "error: javascript:alert(1): only http and https addresses can be fetched"]
    assert summary(linkless) == "1 articles added, 0 already stored, 2 failed"
    # An item that is a PDF or another feed is refused as any page would be: feeds are not followed.
    other = add(database, f"{site}/pdf-item.xml")
    assert summary(other) == "0 articles added, 0 already stored, 2 failed", other.output
    assert "report.pdf: is application/pdf, not an HTML page or text" in other.stderr
    assert "rss.xml: is application/rss+xml, not an HTML page or text" in other.stderr


def test_feedparser_is_never_handed_a_path_or_an_address(site, tmp_path):
    local = tmp_path / "local-feed.xml"
    local.write_bytes(FEEDS["/rss.xml"][1])
    for body in (str(local).encode(), f"{site}/rss.xml".encode()):
        fetched = Fetched(body, "application/rss+xml", None, f"{site}/fuzz")
        with pytest.raises(IngestError, match="not a well-formed RSS or Atom feed|not an RSS or Atom feed"):
            feed_items(fetched, f"{site}/fuzz")
    _Site.paths.clear()
    _Site.fuzzed = (f"{site}/rss.xml".encode(), "application/rss+xml")
    result = add(f"sqlite:///{tmp_path / 'c.sqlite'}", f"{site}/fuzz")
    assert result.exit_code == 1 and "not a well-formed RSS or Atom feed" in result.stderr
    assert _Site.paths == ["/fuzz"]


FEED_PIECES = [b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-16"?>', b'<rss version="2.0">',
               b"<channel>", b"<item>", b"</item>", b"<link>", b"</link>", b"/news/alpha.html", b"http://[::1",
               b"<pubDate>", b"</pubDate>", b"Tue, 31 Feb 99999 25:61:00 +9999", b"</channel></rss>",
               b'<feed xmlns="http://www.w3.org/2005/Atom">', b"<entry>", b'<link href="', b'"/>', b"</entry></feed>",
               b"<!DOCTYPE rss [<!ENTITY a 'aaaa'>]>", b"&a;", b"&nbsp;", b"\xff\xfe", b"\xe9", b"\x00", b"<![CDATA[",
               b"]]>", b"<!--", b"<"]
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60).map(escape)
DATES = st.one_of(XML_TEXT, st.sampled_from(["Tue, 02 Jun 2020 10:00:00 GMT", "2021-02-03T23:30:00-05:00",
                                             "Mon, 31 Dec 9999 23:59:59 -1200", "0001-01-01", "2020-13-45"]))
WELL_FORMED = st.lists(st.tuples(XML_TEXT, DATES), max_size=5).map(
    lambda items: rss("".join(rss_item(link, date) for link, date in items)).encode())
FEED_BYTES = st.one_of(st.binary(max_size=300), st.lists(st.sampled_from(FEED_PIECES), max_size=40).map(b"".join),
                       WELL_FORMED)
MEDIA = st.sampled_from(["application/rss+xml", "application/atom+xml", "application/xml", "text/xml"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=FEED_BYTES, media_type=MEDIA, charset=st.sampled_from([None, "utf-8", "iso-8859-1", "utf-16", "nonsense"]))
@example(data=b"<channel<entry<link</item</link>", media_type="application/rss+xml", charset=None)  # feedparser: KeyError
def test_any_bytes_give_feed_items_or_one_ingest_error(data, media_type, charset):
    try:
        items = feed_items(Fetched(data, media_type, charset, "http://news.example/feed"), "http://news.example/feed")
    except IngestError as error:
        assert "\n" not in str(error)
        return
    for item in items:
        assert isinstance(item, (FeedItem, IngestError))
        if isinstance(item, FeedItem):
            assert item.published is None or len(item.published) == 10


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=FEED_BYTES, media_type=MEDIA)
@example(data=b"<channel<entry<link</item</link>", media_type="application/rss+xml")
def test_any_bytes_served_as_a_feed_never_raise_out_of_the_command(site, tmp_path, data, media_type):
    _Site.fuzzed = (data, media_type)
    database = f"sqlite:///{tmp_path / 'fuzz.sqlite'}"
    result = add(database, f"{site}/fuzz")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines[:-1]) and lines[-1].endswith("failed"), result.stderr
    try:
        feed_items(Fetched(data, media_type, None, f"{site}/fuzz"), f"{site}/fuzz")
    except IngestError:
        assert len(lines) == 2, result.stderr  # a document that is no readable feed: one line
