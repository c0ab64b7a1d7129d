"""Where articles come from: files, folders, globs, http(s) URLs and standard input, in plain text,
scraped Markdown or HTML, in any common encoding. Every failure is an IngestError."""

from __future__ import annotations

import os
import re
import stat
import sys
from enum import Enum
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from propaganda_lens.data import Article, Metadata
from propaganda_lens.ingest.decoding import decode
from propaganda_lens.ingest.errors import IngestError, InvalidText
from propaganda_lens.ingest.fetch import MAX_BYTES, Fetched, FetchLimits, fetch
from propaganda_lens.ingest.html import parse_html
from propaganda_lens.ingest.markdown import parse_markdown

MAX_ARTICLE_CHARS = 1_000_000  # about 160,000 words: longer texts are refused, not cut


class InputFormat(str, Enum):
    auto = "auto"
    text = "text"
    markdown = "markdown"
    html = "html"


SUFFIX_FORMATS = {
    ".txt": InputFormat.text,
    ".text": InputFormat.text,
    ".md": InputFormat.markdown,
    ".markdown": InputFormat.markdown,
    ".html": InputFormat.html,
    ".htm": InputFormat.html,
    ".xhtml": InputFormat.html,
}
MEDIA_FORMATS = {
    "text/html": InputFormat.html,
    "application/xhtml+xml": InputFormat.html,
    "text/markdown": InputFormat.markdown,
}
URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Every pattern here runs in linear time: no two parts of one can match the same text in several ways.
_SPACE = re.compile(r"\s*")
_HTML_ROOT = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_HTML_TAG = re.compile(r"</(?:p|div|span|a|li|h[1-6]|article|section|table)>|<br\s*/?>", re.IGNORECASE)
_MARKDOWN_SIGNS = re.compile(
    r"^#{1,6}[ \t]+\S|\[[^\[\]\n]+\]\([^()\s]*\)|^[ \t]*\*\*[^*\n]+\*\*|^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE
)
SNIFFED_CHARS = 20_000


def _starts_as_html(text: str) -> bool:
    """Whether the text opens, after whitespace and comments, with a doctype or an html, head or body tag."""
    position = _SPACE.match(text).end()
    while text.startswith("<!--", position):
        close = text.find("-->", position + 4)
        if close < 0:
            return False
        position = _SPACE.match(text, close + 3).end()
    return _HTML_ROOT.match(text, position) is not None


def sniff_format(text: str) -> InputFormat:
    """html, markdown or text, from the content alone."""
    head = text[:SNIFFED_CHARS]
    if _starts_as_html(text) or len(_HTML_TAG.findall(head)) >= 3:
        return InputFormat.html
    if len(_MARKDOWN_SIGNS.findall(head)) >= 2:
        return InputFormat.markdown
    return InputFormat.text


def article_from_text(
    text: str,
    article_id: str,
    name: str,
    source: str | None = None,
    input_format: InputFormat = InputFormat.auto,
    url: str | None = None,
) -> Article:
    """An Article from decoded text. Plain text is kept exactly as given, so span offsets match the
    input (as in PTC files); Markdown and HTML are cleaned, and their metadata extracted."""
    if not text.strip():
        raise IngestError(f"{name}: {'is empty' if not text else 'contains only whitespace'}; there is nothing to analyze")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidText(
            f"{name}: holds an unpaired surrogate code point at character {error.start}, which is not valid "
            "Unicode text; send the text as valid UTF-8"
        ) from None
    if input_format is InputFormat.auto:
        input_format = sniff_format(text)
    if input_format is InputFormat.html:
        body, metadata = parse_html(text, name, url)
    elif input_format is InputFormat.markdown:
        body, metadata = parse_markdown(text)
        if not body:
            raise IngestError(f"{name}: holds only headers, markup or boilerplate; there is no article text to analyze")
    else:
        body, metadata = text, Metadata(title=headline(text))
    if len(body) > MAX_ARTICLE_CHARS:
        raise IngestError(
            f"{name}: is {len(body):,} characters long, over the {MAX_ARTICLE_CHARS:,} an analysis accepts; "
            "split it into parts"
        )
    metadata.url = metadata.url or url
    return Article(id=article_id, text=body, source=source, metadata=metadata)


def headline(text: str) -> str | None:
    """The first line of a plain text when it reads as a headline: short, followed by more text, starting
    with a capital or digit, and not ending like a sentence (a question or exclamation may end it)."""
    first, newline, rest = text.lstrip("\ufeff").lstrip().partition("\n")
    first = first.strip()
    if not newline or not rest.strip() or not 3 <= len(first) <= 150 or len(first.split()) > 25:
        return None
    if not (first[0].isupper() or first[0].isdigit()) or first[-1] in ".,;:":
        return None
    return first


def read_file(
    path: Path,
    input_format: InputFormat = InputFormat.auto,
    encoding: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Article:
    """An Article from a regular file; the format comes from the suffix when it is a known one. Devices,
    FIFOs and sockets are refused without waiting on them, and no more than `max_bytes` + 1 bytes are read."""
    try:
        # Non-blocking, so that opening a FIFO cannot hang; the file is judged by what was opened.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(status.st_mode):
                raise IngestError(
                    f"{path}: is not a regular file (a device, FIFO or socket); save its contents to a file first"
                )
            if status.st_size > max_bytes:
                raise _too_big(path, status.st_size, max_bytes)
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:  # it grew while being read
            raise _too_big(path, len(data), max_bytes)
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IngestError(f"{path}: is a folder; its files are analyzed when it is given as the source") from None
    except OSError as error:
        raise IngestError(f"{path}: cannot be read ({error.strerror})") from None
    if input_format is InputFormat.auto:
        input_format = SUFFIX_FORMATS.get(path.suffix.lower(), InputFormat.auto)
    text = decode(data, str(path), encoding)
    return article_from_text(text, path.stem, str(path), str(path), input_format)


def _too_big(path: Path, size: int, max_bytes: int) -> IngestError:
    return IngestError(f"{path}: is {size / 1e6:.1f} MB or more, over the {max_bytes / 1e6:g} MB cap; split it or raise --max-bytes")


def read_url(
    url: str,
    input_format: InputFormat = InputFormat.auto,
    encoding: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> Article:
    """An Article from a web page or text at an http(s) URL."""
    return article_from_fetched(fetch(url, limits), url, input_format, encoding)


def article_from_fetched(
    fetched: Fetched, url: str, input_format: InputFormat = InputFormat.auto, encoding: str | None = None
) -> Article:
    """An Article from a downloaded page or text; `url` is the address asked for."""
    if input_format is InputFormat.auto:
        input_format = MEDIA_FORMATS.get(fetched.media_type, InputFormat.auto)
    text = decode(fetched.data, url, encoding, declared=fetched.charset)
    parts = urlsplit(fetched.url)
    article_id = Path(parts.path.rstrip("/")).stem or parts.hostname or "page"
    return article_from_text(text, article_id, url, url, input_format, url=fetched.url)


def read_stream(
    stream: BinaryIO,
    input_format: InputFormat = InputFormat.auto,
    encoding: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Article:
    """An Article from a byte stream such as standard input."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise IngestError(f"standard input: over the {max_bytes / 1e6:g} MB cap; split the text or raise --max-bytes")
    return article_from_text(decode(data, "standard input", encoding), "stdin", "standard input", None, input_format)


def read_source(
    source: str,
    input_format: InputFormat = InputFormat.auto,
    encoding: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> Article:
    """An Article from a path, an http(s) URL, or '-' for standard input."""
    if source == "-":
        return read_stream(sys.stdin.buffer, input_format, encoding, limits.max_bytes)
    if URL.fullmatch(source):
        return read_url(source, input_format, encoding, limits)
    return read_file(Path(source), input_format, encoding, limits.max_bytes)


def expand_sources(sources: list[str]) -> tuple[list[str], list[str]]:
    """Folders and glob patterns replaced by the article files they hold (text, Markdown and HTML
    files, hidden ones left out, sorted); returns the sources and one problem line per empty one.
    Each real file is listed once, however many links lead to it, and link loops end the walk."""
    expanded, problems = [], []
    seen: set[tuple[int, int]] = set()

    def first_visit(file: str) -> bool:
        try:
            status = os.stat(file)
        except OSError:
            return True  # reading it reports the problem
        key = (status.st_dev, status.st_ino)
        if key in seen:
            return False
        seen.add(key)
        return True

    for source in sources:
        path = Path(source)
        if source == "-" or URL.fullmatch(source):
            expanded.append(source)
        elif path.is_dir():
            files = _walk(path)
            expanded.extend(file for file in files if first_visit(file))
            if not files:
                problems.append(f"{source}: no .txt, .md or .html files in this folder")
        elif not path.exists() and _has_magic(source):
            from wcmatch import glob

            # `**` does not enter linked folders, so link loops cannot make the expansion endless.
            files = sorted(glob.glob(source, flags=glob.GLOBSTAR | glob.NODIR))
            expanded.extend(file for file in files if first_visit(file))
            if not files:
                problems.append(f"{source}: matches no files")
        elif first_visit(source):
            expanded.append(source)  # reading it reports any problem
    return expanded, problems


def _has_magic(source: str) -> bool:
    return any(character in source for character in "*?[")


def _walk(folder: Path) -> list[str]:
    """The article files under `folder`, sorted, following links to folders but entering each real folder once."""
    entered: set[tuple[int, int]] = set()
    files = []
    for directory, subdirectories, names in os.walk(folder, followlinks=True):
        status = os.stat(directory)
        if (status.st_dev, status.st_ino) in entered:
            subdirectories.clear()
            continue
        entered.add((status.st_dev, status.st_ino))
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        files.extend(
            os.path.join(directory, name)
            for name in names
            if not name.startswith(".") and Path(name).suffix.lower() in SUFFIX_FORMATS
            and os.path.isfile(os.path.join(directory, name))
        )
    return sorted(files)
