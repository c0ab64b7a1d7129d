"""Corpus mode end to end (add + run + stats) on the PTC article texts, with each engine, beside the rate of
each analysis stage alone on the same texts and the bound those rates imply.

    python benchmarks/corpus.py [--model fast] [--workers 2] [--engines local ray] [--stages claims] [--limit 100]

Stages alone: the texts are split among `--workers` processes, each on its share of the cores, as `corpus
run` splits them; each times every stage separately on its texts, `ARTICLES_PER_CALL` articles at a time
as a worker does (detect: the detector per article; enrich: sentences and summary; parse: one spaCy pipe;
actors; claims: check-worthiness and statements). A stage's rate is the articles over its summed seconds
divided by the workers. The bound is 1 / sum(1 / rate) over the stages the run does: the rate of a run that
spends no time on anything else (loading, the database, moving articles between processes).

End to end: each engine gets a fresh SQLite database in a temporary folder and runs the CLI commands as a
user would, in a child process tree whose peak RSS (the command and every process it starts, Ray's
included) is sampled every 0.2 s. The run's rate includes starting the workers and loading the models.
Efficiency is the run's rate over the bound. The load average (1 minute) is printed before and after each
measurement: the figures are only as steady as the machine. The texts are PTC train + dev + test: speed
only, nothing is learnt from them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import psutil

from load import rss_mb  # the process and everything it started

ROOT = Path(__file__).resolve().parents[1]
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
FOLDERS = ("train-articles", "dev-articles", "test-articles")
STAGE_PARTS = {"techniques": ("detect", "enrich"), "actors": ("parse", "actors"), "claims": ("claims",)}


def load_average() -> float:
    return os.getloadavg()[0]


def stage_seconds(model: str, threads: int, paths: list[Path]) -> dict[str, float]:
    """Seconds each stage takes on the texts at `paths`, in this process (a worker of the pool)."""
    from propaganda_lens.actors import add_actors
    from propaganda_lens.claims import add_claims
    from propaganda_lens.corpus.work import ARTICLES_PER_CALL, load_worker
    from propaganda_lens.enrich import enrich
    from propaganda_lens.enrich.parsing import parse_many
    from propaganda_lens.ingest.sources import article_from_text

    loaded = load_worker(model, threads)
    detector = loaded.detector
    articles = [article_from_text(path.read_text(encoding="utf-8"), path.stem, str(path), input_format="text")
                for path in paths]
    seconds = dict.fromkeys(("detect", "enrich", "parse", "actors", "claims"), 0.0)

    def timed(stage: str, work):
        started = time.perf_counter()
        result = work()
        seconds[stage] += time.perf_counter() - started
        return result

    for first in range(0, len(articles), ARTICLES_PER_CALL):
        batch = articles[first : first + ARTICLES_PER_CALL]
        spans = timed("detect", lambda: [detector.find_spans(article.text) for article in batch])
        analyses = timed("enrich", lambda: [enrich(article, found, detector.config.name, detector.technique_precision)
                                            for article, found in zip(batch, spans)])
        docs = timed("parse", lambda: parse_many([(a.article.text, [(s.start, s.end) for s in a.sentences])
                                                  for a in analyses]))
        analyses = timed("actors", lambda: [add_actors(a, doc) for a, doc in zip(analyses, docs)])
        timed("claims", lambda: [add_claims(a, doc, loaded.checkworthiness) for a, doc in zip(analyses, docs)])
    return seconds


def stage_rates(model: str, workers: int, paths: list[Path]) -> dict[str, float]:
    """Articles per second of each stage alone, with `workers` processes sharing the cores."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    shares = [paths[index::workers] for index in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(stage_seconds, [model] * workers, [threads] * workers, shares))
    return {stage: len(paths) / (sum(result[stage] for result in results) / workers) for stage in results[0]}


def timed(command: list[str], peak: list[float]) -> float:
    """Run a CLI command; returns its wall time and raises the peak tree RSS in `peak`."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                peak[0] = max(peak[0], rss_mb(process.pid))
            except psutil.Error:
                pass
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors}")
    return time.perf_counter() - started


def measure(engine: str, model: str, workers: int, stages: str, paths: list[Path]) -> dict:
    cli = [sys.executable, "-m", "propaganda_lens", "corpus"]
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "corpus.sqlite"
        url = ["--db", f"sqlite:///{database}"]
        listing = Path(folder) / "inputs"
        listing.mkdir()
        for path in paths:  # the chosen texts, under unique names
            (listing / f"{path.parent.name}-{path.name}").symlink_to(path)
        peak = [0.0]
        add_s = timed([*cli, "add", str(listing), *url], peak)
        peak = [0.0]
        load_before = load_average()
        run_s = timed([*cli, "run", *url, "--model", model, "--engine", engine, "--workers", str(workers),
                       "--stages", stages], peak)
        load_after = load_average()
        stats_s = timed([*cli, "stats", *url, "--model", model, "--by", "outlet,technique", "-f", "json"], [0.0])
        size_mb = sum(path.stat().st_size for path in Path(folder).glob("corpus.sqlite*")) / 2**20
    return {"add_s": add_s, "run_s": run_s, "stats_s": stats_s, "size_mb": size_mb, "peak_mb": peak[0],
            "load": (load_before, load_after)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="fast")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--stages", default="claims", choices=list(STAGE_PARTS),
                        help="the last stage the run does (with the ones before it)")
    parser.add_argument("--limit", type=int, help="only the first N texts (train, then dev, then test)")
    parser.add_argument("--ptc", type=Path, default=PTC)
    options = parser.parse_args()
    paths = [path for name in FOLDERS for path in sorted((options.ptc / name).glob("article*.txt"))][: options.limit]
    parts = [part for stage in list(STAGE_PARTS)[: list(STAGE_PARTS).index(options.stages) + 1]
             for part in STAGE_PARTS[stage]]

    load_before = load_average()
    rates = stage_rates(options.model, options.workers, paths)
    print(f"{len(paths)} PTC texts, model {options.model}, {options.workers} workers, {psutil.cpu_count()} cores, "
          f"stages up to {options.stages}")
    print(f"stages alone (load average {load_before:.1f} -> {load_average():.1f}):")
    for stage, rate in rates.items():
        print(f"  {stage:8} {rate:8.2f} articles/s{'' if stage in parts else '  (not in this run)'}")
    bound = 1 / sum(1 / rates[part] for part in parts)
    print(f"  bound    {bound:8.2f} articles/s")
    results = {engine: measure(engine, options.model, options.workers, options.stages, paths)
               for engine in options.engines}
    print(f"{'engine':8} {'add/s':>8} {'run/s':>8} {'efficiency':>10} {'end to end/s':>13} {'stats s':>8} "
          f"{'db MiB':>7} {'peak RSS MiB':>12}  load average")
    for engine, result in results.items():
        total = result["add_s"] + result["run_s"] + result["stats_s"]
        rate = len(paths) / result["run_s"]
        print(f"{engine:8} {len(paths) / result['add_s']:8.1f} {rate:8.2f} {rate / bound:10.0%} {len(paths) / total:13.2f} "
              f"{result['stats_s']:8.2f} {result['size_mb']:7.1f} {result['peak_mb']:12.0f}  "
              f"{result['load'][0]:.1f} -> {result['load'][1]:.1f}")
    if {"local", "ray"} <= results.keys():
        print(f"Ray run time / local run time (the same CPUs): {results['ray']['run_s'] / results['local']['run_s']:.2f}x")


if __name__ == "__main__":
    main()
