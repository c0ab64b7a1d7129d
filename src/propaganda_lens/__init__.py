"""propaganda-lens: find the spans of a text that use propaganda techniques, offline, on a CPU."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("propaganda-lens")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

from propaganda_lens.api import analyze, default_detector
from propaganda_lens.catalogue import CATALOGUE, Technique
from propaganda_lens.data import TECHNIQUES, Analysis, Article, Correction, Metadata, Sentence, Span, Summary
from propaganda_lens.detect.detector import Detector
from propaganda_lens.ingest.errors import IngestError



def render_html(analysis: Analysis, corrections: list[Correction] | None = None, review_url: str | None = None) -> str:
    """The self-contained HTML report of an analysis (inline CSS and JS, every piece of article text escaped),
    with a reviewer's `corrections` applied and marked reviewed; with `review_url`, new corrections are POSTed
    there (see report.html.render_html)."""
    from propaganda_lens.report.html import render_html as render  # on first use: Jinja is slow to import

    return render(analysis, corrections, review_url)


__all__ = [
    "__version__",
    "CATALOGUE",
    "TECHNIQUES",
    "Analysis",
    "Article",
    "Correction",
    "Detector",
    "IngestError",
    "Metadata",
    "Sentence",
    "Span",
    "Summary",
    "Technique",
    "analyze",
    "default_detector",
    "render_html",
]
