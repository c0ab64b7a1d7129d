"""HTML pages: the main text and metadata, extracted by trafilatura (navigation, comments and
footers left out)."""

from __future__ import annotations

import logging

from propaganda_lens.data import Metadata
from propaganda_lens.ingest.errors import IngestError

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its warnings would break the one-line errors
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


MIN_PROSE_WORDS = 8


def is_prose(paragraph: str) -> bool:
    """A paragraph of running text: at least MIN_PROSE_WORDS words, ending as a sentence does (a navigation
    bar, a menu or a caption does not)."""
    return len(paragraph.split()) >= MIN_PROSE_WORDS and paragraph.rstrip("\"'”’»)]").endswith((".", "!", "?", "…"))


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
    title = document.title.strip() if document.title else None
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if not any(is_prose(paragraph) for paragraph in paragraphs if paragraph != title):
        raise IngestError(
            f"{name}: found only menus, links or captions in this HTML page, no article text; "
            "save the article's text and analyze that"
        )
    if title and paragraphs[0] != title:
        paragraphs.insert(0, title)
    metadata = Metadata(
        title=title,
        author=document.author or None,
        date=document.date or None,
        site=document.sitename or None,
        url=document.url or url,
    )
    return "\n\n".join(paragraphs), metadata
