"""Bytes to text: BOMs, UTF-8, then charset detection; binary files and PDFs are refused."""

from __future__ import annotations

import codecs
import re

import chardet

from propaganda_lens.ingest.errors import IngestError

# Share of control characters (Unicode category Cc except tab, line feed, vertical tab, form feed and
# carriage return) above which decoded "text" is taken for binary data.
MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _looks_binary(text: str) -> bool:
    return len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text)


def _binary(name: str) -> IngestError:
    return IngestError(f"{name}: looks like a binary file, not text; give a text, Markdown or HTML file")


def check_encoding_name(encoding: str) -> str:
    """The codec's canonical name; an IngestError for names Python does not know and for codecs that do not
    turn bytes into text (rot13, base64, hex, zlib …)."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise IngestError(f"unknown encoding {encoding!r}; use a name such as utf-8, cp1252 or latin-1") from None
    if not codec._is_text_encoding:
        raise IngestError(f"{encoding!r} is not a text encoding; use a name such as utf-8, cp1252 or latin-1")
    return codec.name


def decode(data: bytes, name: str, encoding: str | None = None, declared: str | None = None) -> str:
    """The text of `data`. A UTF-8 BOM is kept as character 0, as in the PTC files, so that offsets
    match the raw file; `encoding` forces a codec instead of detection; `declared` is the charset a web
    page declares, used when `encoding` is not given."""
    if data.startswith(b"%PDF-"):
        raise IngestError(f"{name}: is a PDF; extract its text first (for example with pdftotext) and analyze that")
    if encoding is None and declared is not None:
        try:
            encoding = check_encoding_name(declared)
        except IngestError:
            raise IngestError(
                f"{name}: the page declares charset {declared!r}, not a text encoding Python knows; "
                "save the page and analyze the file with --encoding"
            ) from None
    if encoding is not None:
        codec = check_encoding_name(encoding)
        try:
            text = data.decode(codec)
        except UnicodeError as error:  # punycode, idna and undefined raise other UnicodeErrors
            where = f" (byte {error.start})" if isinstance(error, UnicodeDecodeError) else ""
            raise IngestError(f"{name}: is not valid {codec}{where}; leave out --encoding to detect it") from None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _detected(data, name)
    if _looks_binary(text):
        raise _binary(name)
    return text


def _detected(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise _binary(name)
    guess = chardet.detect(data)["encoding"]
    try:
        return data.decode(guess or "")
    except (LookupError, UnicodeError):
        raise IngestError(
            f"{name}: unknown text encoding; convert it to UTF-8 or name the encoding with --encoding"
        ) from None
