"""propaganda-lens: find the spans of a text that use propaganda techniques, offline, on a CPU."""

from propaganda_lens.api import analyze, default_detector
from propaganda_lens.catalogue import CATALOGUE, Technique
from propaganda_lens.data import TECHNIQUES, Analysis, Article, Metadata, Sentence, Span, Summary
from propaganda_lens.detect.detector import Detector
from propaganda_lens.ingest.errors import IngestError

__all__ = [
    "CATALOGUE",
    "TECHNIQUES",
    "Analysis",
    "Article",
    "Detector",
    "IngestError",
    "Metadata",
    "Sentence",
    "Span",
    "Summary",
    "Technique",
    "analyze",
    "default_detector",
]
