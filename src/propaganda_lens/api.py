"""The public Python API: `analyze(text)` and the shared default detector."""

from __future__ import annotations

from functools import lru_cache

from propaganda_lens.data import Analysis, Article
from propaganda_lens.detect.detector import Detector


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The shipped model, loaded once per process."""
    return Detector.from_disk()


def analyze(text: str, article_id: str = "text", source: str | None = None, detector: Detector | None = None) -> Analysis:
    """Find the propaganda technique spans of a text."""
    detector = detector or default_detector()
    article = Article(id=article_id, text=text, source=source)
    return Analysis(article=article, spans=detector.find_spans(text), model=detector.config.name)
