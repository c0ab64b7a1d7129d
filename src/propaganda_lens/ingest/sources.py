"""Where articles come from: files, folders, globs, http(s) URLs and standard input, in plain text,
scraped Markdown or HTML, in any common encoding. Every failure is an IngestError."""

from __future__ import annotations

import glob
import re
import sys
from enum import Enum
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from propaganda_lens.data import Article, Metadata
from propaganda_lens.ingest.decoding import decode
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.fetch import MAX_BYTES, FetchLimits, fetch
from propaganda_lens.ingest.html import parse_html
from propaganda_lens.ingest.markdown import parse_markdown


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
_HTML_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"</(?:p|div|span|a|li|h[1-6]|article|section|table)>|<br\s*/?>", re.IGNORECASE)
_MARKDOWN_SIGNS = re.compile(
    r"^#{1,6}\s+\S|\[[^\]\n]+\]\([^)\s]*\)|^\s*\*\*[^*\n]+\*\*|^\s*(?:[-*_]\s*){3,}$", re.MULTILINE
)


def sniff_format(text: str) -> InputFormat:
    """html, markdown or text, from the content alone."""
    if _HTML_START.match(text) or len(_HTML_TAG.findall(text[:20_000])) >= 3:
        return InputFormat.html
    if len(_MARKDOWN_SIGNS.findall(text[:20_000])) >= 2:
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
    if input_format is InputFormat.auto:
        input_format = sniff_format(text)
    if input_format is InputFormat.html:
        body, metadata = parse_html(text, name, url)
    elif input_format is InputFormat.markdown:
        body, metadata = parse_markdown(text)
        if not body:
            raise IngestError(f"{name}: holds only headers, markup or boilerplate; there is no article text to analyze")
    else:
        body, metadata = text, Metadata()
    metadata.url = metadata.url or url
    return Article(id=article_id, text=body, source=source, metadata=metadata)


def read_file(
    path: Path,
    input_format: InputFormat = InputFormat.auto,
    encoding: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Article:
    """An Article from a file; the format comes from the suffix when it is a known one."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"{path}: is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB cap; split it or raise --max-bytes")
        data = path.read_bytes()
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


def read_url(
    url: str,
    input_format: InputFormat = InputFormat.auto,
    encoding: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> Article:
    """An Article from a web page or text at an http(s) URL."""
    fetched = fetch(url, limits)
    if input_format is InputFormat.auto:
        input_format = MEDIA_FORMATS.get(fetched.media_type, InputFormat.auto)
    text = decode(fetched.data, url, encoding or fetched.charset)
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
    files, hidden ones left out, sorted); returns the sources and one problem line per empty one."""
    expanded, problems = [], []
    for source in sources:
        path = Path(source)
        if source == "-" or URL.fullmatch(source) or path.is_file():
            expanded.append(source)
        elif path.is_dir():
            files = sorted(
                str(file)
                for file in path.rglob("*")
                if file.is_file() and file.suffix.lower() in SUFFIX_FORMATS
                and not any(part.startswith(".") for part in file.relative_to(path).parts)
            )
            expanded.extend(files)
            if not files:
                problems.append(f"{source}: no .txt, .md or .html files in this folder")
        elif glob.has_magic(source):
            files = sorted(match for match in glob.glob(source, recursive=True) if Path(match).is_file())
            expanded.extend(files)
            if not files:
                problems.append(f"{source}: matches no files")
        else:
            expanded.append(source)  # reading it reports the problem
    return expanded, problems
