"""False alarms of the shipped detectors on plain news, where no propaganda technique is expected.

    python benchmarks/plain_news.py                       # both shipped models on evaluation/plain-news
    python benchmarks/plain_news.py --model fast --json plain-news.json
    python benchmarks/plain_news.py --texts FOLDER        # any folder of UTF-8 .txt files
    python benchmarks/plain_news.py --threshold 0.1       # near misses: a lower span threshold than the model's

Each text (a whole file: headline line and body) goes through `Detector.find_spans`. Words are
whitespace-separated tokens. Every figure is given twice: for the spans the HTML report shows by default
(probability at least report.html.UNCERTAIN_BELOW) and for all spans the detector returns.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEXTS = ROOT / "evaluation" / "plain-news"
MODELS = ("accurate", "fast")
TOP = 10


def load_texts(folder: Path) -> dict[str, str]:
    """The folder's .txt files by name, in name order."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))}


def word_count(text: str) -> int:
    return len(text.split())


def figures(texts: dict[str, str], spans: dict[str, list], min_probability: float) -> dict:
    """Rates of the spans with probability >= `min_probability` (a span without one counts), and the
    most frequent span texts with how often each technique was given to them."""
    kept = {name: [span for span in found if span.probability is None or span.probability >= min_probability]
            for name, found in spans.items()}
    words = sum(word_count(text) for text in texts.values())
    total = sum(len(found) for found in kept.values())
    by_text: dict[str, Counter] = defaultdict(Counter)
    for name, found in kept.items():
        for span in found:
            by_text[texts[name][span.start:span.end]][span.technique] += 1
    top = sorted(by_text.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:TOP]
    return {
        "min_probability": min_probability,
        "texts": len(texts),
        "words": words,
        "spans": total,
        "spans_per_1000_words": 1000 * total / words if words else 0.0,
        "spans_per_text": total / len(texts) if texts else 0.0,
        "share_of_texts_with_a_span": sum(1 for found in kept.values() if found) / len(texts) if texts else 0.0,
        "spans_by_text": {name: len(found) for name, found in kept.items()},
        "top_span_texts": [
            {"text": text, "count": sum(techniques.values()), "techniques": dict(techniques.most_common())}
            for text, techniques in top
        ],
    }


def measure(model: str, texts: dict[str, str], threshold: float | None = None) -> dict:
    """The figures of one shipped model, at the report's default probability and at all probabilities;
    `threshold` overrides the model's tuned span threshold (as `Detector.find_spans` does)."""
    from propaganda_lens.detect.detector import Detector
    from propaganda_lens.report.html import UNCERTAIN_BELOW

    detector = Detector.from_disk(model)
    spans = {name: detector.find_spans(text, threshold) for name, text in texts.items()}
    return {"span_threshold": detector.config.decoding.threshold if threshold is None else threshold,
            "shown_by_default": figures(texts, spans, UNCERTAIN_BELOW), "all": figures(texts, spans, 0.0)}


def print_figures(model: str, result: dict) -> None:
    for key, label in (("shown_by_default", "shown by default"), ("all", "all probabilities")):
        row = result[key]
        print(f"{model:9} {label:>18} (p >= {row['min_probability']:.2f}): {row['spans_per_1000_words']:6.2f} spans/1,000 words, "
              f"{row['spans_per_text']:.2f} spans/text, {row['share_of_texts_with_a_span']:.0%} of texts with a span "
              f"({row['spans']} spans, {row['texts']} texts, {row['words']} words)")
    print(f"{model:9} span threshold {result['span_threshold']:.2f}; most frequent span texts (all probabilities):")
    for entry in result["all"]["top_span_texts"]:
        techniques = ", ".join(f"{technique} {count}" for technique, count in entry["techniques"].items())
        print(f"    {entry['count']:3}  {entry['text']!r}  ({techniques})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="shipped model or model folder (repeatable; default: both shipped)")
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS, help="folder of UTF-8 .txt files")
    parser.add_argument("--threshold", type=float, help="span threshold instead of each model's tuned one")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if args.threshold is not None and not 0 < args.threshold < 1:
        sys.exit(f"error: --threshold must lie between 0 and 1, not {args.threshold}")
    try:
        texts = load_texts(args.texts)
    except (OSError, UnicodeDecodeError) as error:
        sys.exit(f"error: cannot read the texts in {args.texts}: {error}")
    if not texts:
        sys.exit(f"error: no .txt files in {args.texts}")

    from propaganda_lens.detect.detector import ModelError
    from propaganda_lens.files import write_text_atomically

    results = {}
    for model in args.model or MODELS:
        try:
            results[model] = measure(model, texts, args.threshold)
        except ModelError as error:
            sys.exit(f"error: {error}")
        print_figures(model, results[model])
    if args.json:
        try:
            write_text_atomically(args.json, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        except OSError as error:
            sys.exit(f"error: cannot write {args.json}: {error}")


if __name__ == "__main__":
    main()
