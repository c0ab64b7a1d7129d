"""`corpus add`: read inputs as `analyze` does (plus JSON Lines of articles, and news feeds: the page of each
item not stored yet) and store each text once."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from propaganda_lens.corpus.store import ArticleRow, FailureRow, StoreError, describe, writing
from propaganda_lens.data import Article, text_sha256
from propaganda_lens.enrich.outlets import outlet_of
from propaganda_lens.ingest.dates import iso_date
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.feeds import PAGE_OR_FEED_MEDIA_TYPES, FeedItem, feed_items, is_feed
from propaganda_lens.ingest.fetch import FetchLimits, fetch
from propaganda_lens.ingest.sources import URL, InputFormat, article_from_fetched, article_from_text, read_source, read_url

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
METADATA_FIELDS = ("title", "author", "site", "url")
COMMIT_EVERY = 100
MAX_DEPTH = 64  # arrays and objects inside each other; an article record needs 2
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
LINKS_PER_QUERY = 500  # well under any database's limit on the parameters of one statement


@dataclass
class AddResult:
    added: int = 0
    duplicates: int = 0
    failures: list[str] = field(default_factory=list)


def id_problem(article_id: str) -> str | None:
    """Why an article id would break an export (a tab or line break splits a PTC label row), or None."""
    for character in article_id:
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            return (f"the article id {article_id!r} contains the control character {character!r}, which would break "
                    "the exports; give the input another name or id")
    return None


@dataclass(frozen=True, slots=True)
class AlreadyStored:
    """A feed item whose page address is stored already (or was read earlier in this call): not downloaded."""


Input = Article | IngestError | AlreadyStored


def read_inputs(
    sources: Iterable[str], input_format: InputFormat, encoding: str | None, limits: FetchLimits,
    stored_links: Callable[[list[str]], set[str]],
) -> Iterator[tuple[str, Input]]:
    """(name, Article or the error that stopped it) for each input; a JSON Lines file gives one per line, and
    a news feed one per item: its page, or AlreadyStored when `stored_links` knows its address."""
    links_read: set[str] = set()
    for source in sources:
        if source != "-" and Path(source).suffix.lower() in JSON_LINES_SUFFIXES:
            yield from read_json_lines(Path(source), limits.max_bytes)
        elif URL.fullmatch(source):
            yield from read_page_or_feed(source, input_format, encoding, limits, stored_links, links_read)
        else:
            try:
                yield source, read_source(source, input_format, encoding, limits)
            except IngestError as error:
                yield source, error


def read_page_or_feed(
    url: str, input_format: InputFormat, encoding: str | None, limits: FetchLimits,
    stored_links: Callable[[list[str]], set[str]], links_read: set[str],
) -> Iterator[tuple[str, Input]]:
    """The page at `url`; or, when `url` is a news feed, the page of each of its items whose address is neither
    stored nor in `links_read` (which gains them), each downloaded with the same checks and caps as any page."""
    try:
        fetched = fetch(url, limits, PAGE_OR_FEED_MEDIA_TYPES)
        if not is_feed(fetched):
            yield url, article_from_fetched(fetched, url, input_format, encoding)
            return
        items = feed_items(fetched, url)
    except IngestError as error:
        yield url, error
        return
    links = list(dict.fromkeys(item.url for item in items if isinstance(item, FeedItem)))
    new = set(links) - links_read - stored_links(links)
    links_read.update(links)
    for item in items:
        if isinstance(item, IngestError):
            yield url, item
        elif item.url in new:
            new.discard(item.url)
            yield item.url, feed_article(item, url, input_format, encoding, limits)
        else:
            yield item.url, AlreadyStored()


def feed_article(item: FeedItem, feed: str, input_format: InputFormat, encoding: str | None,
                 limits: FetchLimits) -> Article | IngestError:
    """The page of a feed item; the feed's date fills in when the page gives none."""
    try:
        article = read_url(item.url, input_format, encoding, limits)
    except IngestError as error:
        return error
    article.metadata.date = article.metadata.date or item.published
    article.metadata.extra["feed"] = feed
    return article


def stored_links(sessions: sessionmaker, links: list[str]) -> set[str]:
    """The addresses among `links` that a stored article was read from (its source) or gives as its URL."""
    found: set[str] = set()
    with sessions() as session:
        for start in range(0, len(links), LINKS_PER_QUERY):
            chunk = links[start:start + LINKS_PER_QUERY]
            rows = session.execute(select(ArticleRow.source, ArticleRow.url).where(
                or_(ArticleRow.source.in_(chunk), ArticleRow.url.in_(chunk))))
            found.update(value for row in rows for value in row)
    return found & set(links)


def read_json_lines(path: Path, max_bytes: int) -> Iterator[tuple[str, Article | IngestError]]:
    """The records of a UTF-8 JSON Lines file, read a line at a time (each line at most `max_bytes`)."""
    if not path.is_file():
        yield str(path), IngestError(f"{path}: {'no such file' if not path.exists() else 'is not a regular file'}")
        return
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(iter(lambda: handle.readline(max_bytes + 1), b""), 1):
                name = f"{path}:{number}"
                if len(line) > max_bytes and not line.endswith(b"\n"):
                    yield name, IngestError(f"{name}: the line is over the {max_bytes / 1e6:g} MB cap; raise --max-bytes")
                    while (rest := handle.readline(max_bytes + 1)) and not rest.endswith(b"\n"):
                        pass  # skip the rest of the line, a bounded piece at a time
                elif line.strip():
                    try:
                        record = line.decode("utf-8")
                    except UnicodeDecodeError as error:
                        yield name, IngestError(f"{name}: is not valid UTF-8 (byte {error.start}); JSON Lines must be UTF-8")
                        continue
                    yield name, article_of_record(record, name, f"{path.stem}-{number}")
    except OSError as error:
        yield str(path), IngestError(f"{path}: cannot be read ({error.strerror})")


def nesting_depth(line: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings left out), in linear
    time and without recursion: json.loads recurses once per level and fails past Python's limit."""
    import numpy

    skeleton = _JSON_STRING.sub("", line).encode("utf-8", "surrogatepass")
    codes = numpy.frombuffer(skeleton, dtype=numpy.uint8)
    steps = numpy.isin(codes, (ord("["), ord("{"))).astype(numpy.int64) - numpy.isin(codes, (ord("]"), ord("}")))
    return int(steps.cumsum().max(initial=0))


def article_of_record(line: str, name: str, default_id: str) -> Article | IngestError:
    """An Article from one JSON Lines record: `text` (plain text) or `html`, and optional `id`, `title`,
    `author`, `date`, `site`, `url`; other string fields become metadata extras."""
    if nesting_depth(line) > MAX_DEPTH:
        return IngestError(f"{name}: nests arrays or objects more than {MAX_DEPTH} deep; an article record needs 2")
    try:
        record = json.loads(line)
    except ValueError as error:
        return IngestError(f"{name}: is not valid JSON ({error.msg} at column {error.colno})")
    if not isinstance(record, dict):
        return IngestError(f"{name}: is not a JSON object; each line needs an object with a text or html field")
    body, kind = next(((record[key], key) for key in ("text", "html") if isinstance(record.get(key), str)), (None, None))
    if body is None:
        return IngestError(f"{name}: has no text or html string field; there is nothing to analyze")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    try:
        article = article_from_text(body, str(record.get("id") or default_id), name, name,
                                    InputFormat.html if kind == "html" else InputFormat.text, url=url)
    except IngestError as error:
        return error
    metadata = article.metadata
    for key in METADATA_FIELDS:
        if isinstance(record.get(key), str) and record[key].strip():
            setattr(metadata, key, record[key].strip())
    date = record.get("date")
    if isinstance(date, str) and len(date) <= 60:
        metadata.date = iso_date(date[:10]) or iso_date(date) or metadata.date
    known = {"text", "html", "id", "date", "outlet", *METADATA_FIELDS}
    metadata.extra.update({key: value for key, value in record.items() if key not in known and isinstance(value, str)})
    if isinstance(record.get("outlet"), str) and record["outlet"].strip():
        metadata.extra["outlet"] = record["outlet"].strip()
    return article


def row_of(article: Article, outlet: str | None) -> ArticleRow:
    metadata = article.metadata
    extra = dict(metadata.extra)
    outlet = outlet or extra.pop("outlet", None) or outlet_of(metadata.site, metadata.url)
    return ArticleRow(
        content_hash=text_sha256(article.text), name=article.id[:300], source=article.source, outlet=outlet,
        title=metadata.title, author=metadata.author, published=metadata.date, site=metadata.site,
        url=metadata.url, extra=extra, text=article.text, words=len(article.text.split()),
    )


def add_articles(
    sessions: sessionmaker, inputs: Iterable[tuple[str, Input]], outlet: str | None = None
) -> AddResult:
    """Store each new text once (by content hash) and record each input that failed, committing every
    COMMIT_EVERY inputs: a killed run keeps what was committed, and a rerun adds only what is missing. Inputs
    are read outside the transactions, so the write lock is held only while a chunk is written."""
    result = AddResult()
    chunk: list[tuple[str, Article | IngestError]] = []
    try:
        for name, item in inputs:
            if isinstance(item, AlreadyStored):
                result.duplicates += 1
                continue
            if isinstance(item, Article) and (problem := id_problem(item.id)):
                item = IngestError(f"{name}: {problem}")
            chunk.append((name, item))
            if len(chunk) == COMMIT_EVERY:
                store_chunk(sessions, chunk, outlet, result)
                chunk = []
        store_chunk(sessions, chunk, outlet, result)
    except SQLAlchemyError as error:
        raise StoreError(f"cannot write to the database: {describe(error)}; what was committed before stays stored") from None
    return result


def store_chunk(sessions: sessionmaker, chunk: list[tuple[str, Article | IngestError]], outlet: str | None,
                result: AddResult) -> None:
    """One transaction: the new texts of `chunk` and its failures."""
    with writing(sessions) as session:
        pending: set[str] = set()
        for name, item in chunk:
            if isinstance(item, IngestError):
                session.add(FailureRow(stage="add", source=name, message=str(item)))
                result.failures.append(str(item))
                continue
            row = row_of(item, outlet)
            if row.content_hash in pending or session.scalar(
                    select(ArticleRow.id).where(ArticleRow.content_hash == row.content_hash)):
                result.duplicates += 1
            else:
                pending.add(row.content_hash)
                session.add(row)
                result.added += 1
