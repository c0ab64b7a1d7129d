"""propaganda-lens: find the spans of a text that use propaganda techniques, offline, on a CPU."""

from propaganda_lens.api import analyze, default_detector
from propaganda_lens.data import TECHNIQUES, Analysis, Article, Span
from propaganda_lens.detect.detector import Detector

__all__ = ["TECHNIQUES", "Analysis", "Article", "Detector", "Span", "analyze", "default_detector"]
