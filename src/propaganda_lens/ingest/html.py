"""HTML pages: the main text and metadata, extracted by trafilatura (navigation, comments and
footers left out)."""

from __future__ import annotations

import logging
import re

from propaganda_lens.data import Metadata
from propaganda_lens.ingest.boilerplate import is_boilerplate
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.metadata import clean_author, clean_title

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its warnings would break the one-line errors
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


MIN_PROSE_WORDS = 8
# Scripts written without spaces between words: each character counts as half a word (a Japanese or Chinese
# word is about two characters long).
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f]")
_SENTENCE_END = (".", "!", "?", "…", "。", "！", "？", "｡", "।", "؟", "۔")


def is_prose(paragraph: str) -> bool:
    """A paragraph of running text: at least MIN_PROSE_WORDS words (in any script), ending as a sentence does
    (a navigation bar, a menu or a caption does not)."""
    words = len(paragraph.split()) + len(_UNSPACED.findall(paragraph)) / 2
    return words >= MIN_PROSE_WORDS and paragraph.rstrip("\"'”’»)]」』）").endswith(_SENTENCE_END)


def _paragraphs(text: str) -> list[str]:
    """The extracted text's paragraphs; a table row (`| cell | cell |`, as pages laid out in tables give) is
    split into its cells."""
    paragraphs = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            paragraphs.extend(cell.strip() for cell in line.strip("|").split(" | "))
        else:
            paragraphs.append(line)
    return [paragraph for paragraph in paragraphs if paragraph]


def parse_html(html: str, name: str, url: str | None = None) -> tuple[str, Metadata]:
    """The article text (title first as in PTC articles, paragraphs separated by blank lines) and its
    metadata; an IngestError if the page has no article text."""
    import trafilatura  # imported on first use: it takes a third of the command line's start-up time

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_images=False, favor_precision=True
    )
    text = (document.text or "").strip() if document is not None else ""
    if not text:
        raise IngestError(
            f"{name}: found no article text in this HTML page; save the article's text and analyze that"
        )
    site = document.sitename or None
    title = clean_title(document.title, site)
    paragraphs = [paragraph for paragraph in _paragraphs(text) if not is_boilerplate(paragraph)]
    if not any(is_prose(paragraph) for paragraph in paragraphs if paragraph != title):
        raise IngestError(
            f"{name}: found only menus, links or captions in this HTML page, no article text; "
            "save the article's text and analyze that"
        )
    if title and paragraphs[0] != title:
        paragraphs.insert(0, title)
    metadata = Metadata(
        title=title,
        author=clean_author(document.author, site),
        date=document.date or None,
        site=site,
        url=document.url or url,
    )
    return "\n\n".join(paragraphs), metadata
