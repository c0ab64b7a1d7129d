"""News feeds (RSS and Atom): told from pages by the media type a download comes with, and read by feedparser
from the downloaded bytes. feedparser is only ever handed those bytes as a stream: given a URL it would
download by itself, past the address checks and caps, and given bytes it first tries them as a file name."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin
from xml.sax import SAXParseException

from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.fetch import TEXT_MEDIA_TYPES, Fetched

FEED_MEDIA_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})  # a feed when its root is <rss>, <feed> or <rdf:RDF>
PAGE_OR_FEED_MEDIA_TYPES = TEXT_MEDIA_TYPES | FEED_MEDIA_TYPES | XML_MEDIA_TYPES
MAX_LINK_CHARS = 8_192


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item of a feed: the address of its page, and its date (YYYY-MM-DD) when the feed gives one."""

    url: str
    published: str | None


def is_feed(fetched: Fetched) -> bool:
    """Whether a download came as a feed (or as XML, which must then be one) rather than as a page or text."""
    return fetched.media_type in FEED_MEDIA_TYPES | XML_MEDIA_TYPES


def feed_items(fetched: Fetched, url: str) -> list[FeedItem | IngestError]:
    """The items of a downloaded feed in feed order, an IngestError for each item without a usable link; a
    document that is not a well-formed RSS or Atom feed is one IngestError. `url` is the address asked for."""
    import feedparser
    from feedparser.exceptions import CharacterEncodingOverride, NonXMLContentType

    content_type = fetched.media_type + (f"; charset={fetched.charset}" if fetched.charset else "")
    try:
        parsed = feedparser.parse(
            io.BytesIO(fetched.data), response_headers={"content-location": fetched.url, "content-type": content_type},
            resolve_relative_uris=False, sanitize_html=False,  # only links and dates are read
        )
    except Exception as error:  # noqa: BLE001 - its fallback parser for broken XML fails in many ways (KeyError…)
        raise IngestError(f"{url}: is not a well-formed RSS or Atom feed (the parser failed with "
                          f"{type(error).__name__}); check the address") from None
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(problem, (CharacterEncodingOverride, NonXMLContentType)):
        raise IngestError(f"{url}: is not a well-formed RSS or Atom feed ({_described(problem)}); check the address")
    if not parsed.get("version"):
        raise IngestError(f"{url}: is {fetched.media_type} but not an RSS or Atom feed (its root is not <rss>, "
                          "<feed> or <rdf:RDF>); give the address of a page or a feed")
    return [_item(entry, number, fetched.url, url) for number, entry in enumerate(parsed.entries, 1)]


def _described(problem: Exception | None) -> str:
    if isinstance(problem, SAXParseException):
        return f"line {problem.getLineNumber()}, column {problem.getColumnNumber()}: {problem.getMessage()}"
    return str(problem or "unknown problem")[:200]


def _item(entry, number: int, base: str, url: str) -> FeedItem | IngestError:
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip():
        return IngestError(f"{url}: item {number} has no link to a page; it is left out")
    if len(link) > MAX_LINK_CHARS:
        return IngestError(f"{url}: item {number}'s link is {len(link):,} characters long, over the "
                           f"{MAX_LINK_CHARS:,} accepted; it is left out")
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:
        return IngestError(f"{url}: item {number}'s link {link.strip()!r} is not a valid address; it is left out")
    # dict.get: feedparser's own get maps a missing updated_parsed to published_parsed, with a warning
    return FeedItem(absolute, _day(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")))


def _day(moment) -> str | None:
    """A feedparser date (a time.struct_time in UTC) as YYYY-MM-DD; None when there is none or it is no date."""
    try:
        return date(moment.tm_year, moment.tm_mon, moment.tm_mday).isoformat()
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None
