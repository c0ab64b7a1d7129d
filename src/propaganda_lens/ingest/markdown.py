"""Scraped Markdown articles: the body without markup or site boilerplate, and the header metadata.

Scraped pages put a title heading, a byline, a dateline and labelled fields (`Region: …`) before the
body, and copyright notices, disclaimers and membership or comment prompts after it. The body keeps
the link texts and drops the link targets and emphasis markers; paragraphs that a scraper split in
the middle of a sentence are joined again.
"""

from __future__ import annotations

import re

from propaganda_lens.data import Metadata
from propaganda_lens.ingest.boilerplate import is_boilerplate
from propaganda_lens.ingest.dates import DATE_PATTERN, iso_date
from propaganda_lens.ingest.metadata import clean_author, clean_title

# Every pattern that reads the input runs in linear time: a repeated part never matches its own delimiter
# (link text has no brackets, emphasis no star), so a failed attempt stops at the next delimiter.
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)|\[([^\[\]]+)\]\[[^\[\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]+)>")
_STRONG = re.compile(r"\*\*(?=\S)([^*\n]+)(?<=\S)\*\*|__(?=\S)([^_\n]+)(?<=\S)__")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+)(?<=\S)\*(?!\*)|(?<!\w)_(?=\S)([^_\n]+)(?<=\S)_(?!\w)")
_CODE = re.compile(r"`([^`]*)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_PARKED = 0xF0000
_PARKED_CHARS = re.compile("[\U000F0000-\U000F007F]")
_LINE_PREFIX = re.compile(r"^\s{0,3}(?:>\s?|[-*+]\s+(?=\S)|\d{1,3}[.)]\s+(?=\S))")
_HEADING = re.compile(r"#{1,6}[ \t]+(.*)")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")

_BYLINE = re.compile(r"^by\s+(.{2,120})$", re.IGNORECASE)
_DATELINE = re.compile(rf"^(?:(?P<site>[^,\n]{{2,80}}),\s*)?(?P<date>{DATE_PATTERN})$", re.IGNORECASE)
_FIELD = re.compile(r"^(?P<name>[A-Z][A-Za-z ]{1,30}):\s*(?P<value>.{1,200})$")
_DATE_FIELDS = frozenset({"date", "published", "updated", "posted"})

# A paragraph matching one of these ends the article: everything from it on is site furniture.
_TRAILER = re.compile(
    r"^(?:the original source of this article|copyright\s*(?:©|\(c\))|©|disclaimer\b|articles by:"
    r"|all rights reserved)",
    re.IGNORECASE,
)
SHORT_PARAGRAPH = 200


def strip_inline(text: str) -> str:
    """Markdown inline markup removed: link and image targets, emphasis, code marks, escapes."""
    # Escaped characters are parked in the private use area so that no rule below reads them as markup.
    text = _ESCAPE.sub(lambda match: chr(_PARKED + ord(match.group(1))), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda match: match.group(1) if match.group(1) is not None else match.group(2), text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***bold italic***
        text = _STRONG.sub(lambda match: match.group(1) or match.group(2), text)
        text = _EMPHASIS.sub(lambda match: match.group(1) or match.group(2), text)
    text = _PARKED_CHARS.sub(lambda match: chr(ord(match.group()) - _PARKED), text)
    lines = [_LINE_PREFIX.sub("", line).rstrip() for line in text.split("\n")]
    return " ".join(line.strip() for line in lines if line.strip())


def _blocks(markdown: str) -> list[str]:
    """Paragraphs: runs of non-blank lines."""
    return [block for block in re.split(r"\n[ \t]*\n", markdown.replace("\r\n", "\n").replace("\r", "\n"))
            if block.strip()]


def _read_header(block: str, metadata: Metadata) -> bool:
    """Record a header block (byline, dateline, labelled field) in `metadata`; False if it is not one."""
    line = strip_inline(block)
    if len(line) > SHORT_PARAGRAPH or "\n" in block.strip():
        return False
    if (match := _BYLINE.match(line)) and metadata.author is None:
        metadata.author = match.group(1).strip()
        return True
    if (match := _DATELINE.match(line)) and metadata.date is None:
        metadata.date = iso_date(match.group("date"))
        if match.group("site") and metadata.site is None:
            metadata.site = match.group("site").strip()
        return True
    if match := _FIELD.match(line):
        name, value = match.group("name").strip().lower(), match.group("value").strip()
        if name in _DATE_FIELDS and iso_date(value):
            metadata.date = metadata.date or iso_date(value)
        elif name == "author":
            metadata.author = metadata.author or value
        else:
            metadata.extra[name.replace(" ", "_")] = value
        return True
    return False


def _ends_mid_sentence(paragraph: str, following: str) -> bool:
    last = paragraph[-1:]
    return (last.isalnum() or last in "_,;") and following[:1].islower()


def parse_markdown(markdown: str) -> tuple[str, Metadata]:
    """The article as plain text and its metadata. Like a PTC article, the text is the title, then the
    body's paragraphs, separated by blank lines; it is empty when the input has no body."""
    metadata = Metadata()
    body: list[list[str]] = []  # paragraphs, each the pieces a scraper split it into
    for block in _blocks(markdown.lstrip("\ufeff")):
        stripped = block.strip()
        if _RULE.match(stripped):
            continue
        heading = None if "\n" in stripped else _HEADING.fullmatch(stripped)
        if heading:
            text = strip_inline(heading.group(1).rstrip().rstrip("#").rstrip())
            if metadata.title is None and not body:
                metadata.title = text
            elif text:
                body.append([text])
            continue
        if not body and _read_header(stripped, metadata):
            continue
        text = strip_inline(stripped)
        if body and _TRAILER.match(text):
            break
        if not text or is_boilerplate(text):
            continue
        if body and _ends_mid_sentence(body[-1][-1], text):
            body[-1].append(text)
        else:
            body.append([text])
    metadata.title = clean_title(metadata.title, metadata.site)
    metadata.author = clean_author(metadata.author, metadata.site)
    if not body:
        return "", metadata
    paragraphs = [" ".join(pieces) for pieces in body]
    return "\n\n".join([metadata.title, *paragraphs] if metadata.title else paragraphs), metadata
