"""End-to-end time of `analyze` on the example article, cold and warm, and the share spent outside the model.

    python benchmarks/analyze_time.py [--article ../shared/examples/libya-haftar-derna-2018.md] [--repeats 20]
                                      [--model accurate|fast]

Cold: the whole `propaganda-lens analyze ARTICLE -o report.html` command in a fresh process, and the
same stages timed inside a fresh process (imports, model loads, ingest, detect, enrich, parse, actors,
claims, HTML). Warm: the stages again in one process after a first run, averaged over --repeats runs.
"The model" is `Detector.find_spans` (tokenize, ONNX encoder, decoding, span head); everything else is
outside it. "parse" is spaCy's English pipeline; "actors" finds actors and relations, "claims" scores each
sentence's check-worthiness and finds predictions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ARTICLE = ROOT.parent / "shared" / "examples" / "libya-haftar-derna-2018.md"
STAGES = ("ingest", "detect", "enrich", "parse", "actors", "claims", "html")


def stage_times(article: Path, detector) -> dict[str, float]:
    """Seconds per stage for one analysis of `article`, ending with the HTML report."""
    from propaganda_lens.actors import add_actors
    from propaganda_lens.claims import add_claims
    from propaganda_lens.enrich import enrich
    from propaganda_lens.enrich.parsing import parse
    from propaganda_lens.ingest.sources import read_file
    from propaganda_lens.report.html import render_html

    times = {}
    start = time.perf_counter()
    loaded = read_file(article)
    times["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    spans = detector.find_spans(loaded.text)
    times["detect"] = time.perf_counter() - start
    start = time.perf_counter()
    analysis = enrich(loaded, spans, detector.config.name)
    times["enrich"] = time.perf_counter() - start
    start = time.perf_counter()
    doc = parse(loaded.text, [(sentence.start, sentence.end) for sentence in analysis.sentences])
    times["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    analysis = add_actors(analysis, doc)
    times["actors"] = time.perf_counter() - start
    start = time.perf_counter()
    analysis = add_claims(analysis, doc)
    times["claims"] = time.perf_counter() - start
    start = time.perf_counter()
    render_html(analysis)
    times["html"] = time.perf_counter() - start
    return times


def cold_stages(article: Path, model: str) -> None:
    """Run in a fresh process: imports and model load, then one analysis; prints JSON timings."""
    start = time.perf_counter()
    from propaganda_lens.api import default_detector
    from propaganda_lens.enrich import enrich  # noqa: F401  (imported here so that its cost counts as import)
    from propaganda_lens.ingest.sources import read_file  # noqa: F401
    from propaganda_lens.report.html import render_html  # noqa: F401

    imports = time.perf_counter() - start
    start = time.perf_counter()
    detector = default_detector(model)
    load = time.perf_counter() - start
    from propaganda_lens.claims import shipped_checkworthiness_model
    from propaganda_lens.enrich.parsing import english_pipeline

    start = time.perf_counter()
    english_pipeline()
    load_spacy = time.perf_counter() - start
    start = time.perf_counter()
    shipped_checkworthiness_model(model)
    load_claims = time.perf_counter() - start
    print(json.dumps({"import": imports, "load_model": load, "load_spacy": load_spacy, "load_claims_model": load_claims,
                      **stage_times(article, detector)}))


def outside_share(times: dict[str, float]) -> float:
    return 1 - times["detect"] / sum(times.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--model", default="accurate", help="the shipped detector (and its claim model)")
    parser.add_argument("--cold-stages", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_stages:
        cold_stages(args.article, args.model)
        return

    command = shutil.which("propaganda-lens") or str(Path(sys.executable).with_name("propaganda-lens"))
    with tempfile.TemporaryDirectory() as folder:
        walls = []
        for _ in range(args.cold_runs):
            start = time.perf_counter()
            subprocess.run([command, "analyze", str(args.article), "--model", args.model, "-o", f"{folder}/report.html"],
                           check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
    cold_runs = [
        json.loads(subprocess.run([sys.executable, __file__, "--cold-stages", "--article", str(args.article),
                                   "--model", args.model],
                                  check=True, capture_output=True, text=True).stdout)
        for _ in range(args.cold_runs)
    ]
    cold = {name: statistics.median(run[name] for run in cold_runs) for name in cold_runs[0]}

    from propaganda_lens.api import default_detector

    detector = default_detector(args.model)
    stage_times(args.article, detector)  # warm-up
    runs = [stage_times(args.article, detector) for _ in range(args.repeats)]
    warm = {name: statistics.mean(run[name] for run in runs) for name in STAGES}

    print(f"article: {args.article.name} ({args.article.stat().st_size} bytes)")
    print(f"cold command `propaganda-lens analyze … -o report.html`: median {statistics.median(walls):.2f} s "
          f"over {args.cold_runs} runs (min {min(walls):.2f}, max {max(walls):.2f})")
    print("cold stages in a fresh process (median ms): "
          + ", ".join(f"{name} {1000 * value:.0f}" for name, value in cold.items()))
    cold_analysis = {name: cold[name] for name in STAGES}
    print(f"  model load + detect share of the cold in-process time: "
          f"{(cold['load_model'] + cold['detect']) / sum(cold.values()):.1%}; spaCy load + parse + actors + claims: "
          f"{sum(cold[name] for name in ('load_spacy', 'load_claims_model', 'parse', 'actors', 'claims')) / sum(cold.values()):.1%}")
    print(f"  share outside the model once loaded (ingest, enrich, html vs detect): {outside_share(cold_analysis):.1%}")
    print(f"warm analysis, mean of {args.repeats} (ms): "
          + ", ".join(f"{name} {1000 * value:.1f}" for name, value in warm.items())
          + f"; total {1000 * sum(warm.values()):.1f}")
    print(f"  share outside the model, warm: {outside_share(warm):.1%}; parse + actors + claims: "
          f"{1000 * (warm['parse'] + warm['actors'] + warm['claims']):.1f} ms")
    print(f"  cold command / warm analysis: {statistics.median(walls) / sum(warm.values()):.1f}x")


if __name__ == "__main__":
    main()
