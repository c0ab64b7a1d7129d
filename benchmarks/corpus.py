"""Corpus mode end to end (add + run + stats) on all PTC article texts, with each engine.

    python benchmarks/corpus.py [--model fast] [--workers 2] [--engines local ray]

Each engine gets a fresh SQLite database in a temporary folder and runs the CLI commands as a user would,
in a child process tree whose peak RSS (the command and every process it starts, Ray's included) is
sampled every 0.2 s. Prints articles/s per stage, the Ray overhead as a ratio of run times, and the
database size. The 536 articles are train + dev + test: speed only, nothing is learnt from them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from load import rss_mb  # the process and everything it started

ROOT = Path(__file__).resolve().parents[1]
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
FOLDERS = ("train-articles", "dev-articles", "test-articles")


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
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{errors}")
    return time.perf_counter() - started


def measure(engine: str, model: str, workers: int, ptc: Path) -> dict:
    cli = [sys.executable, "-m", "propaganda_lens", "corpus"]
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "corpus.sqlite"
        url = ["--db", f"sqlite:///{database}"]
        peak = [0.0]
        add_s = timed([*cli, "add", *(str(ptc / name) for name in FOLDERS), *url], peak)
        run_s = timed([*cli, "run", *url, "--model", model, "--engine", engine, "--workers", str(workers)], peak)
        stats_s = timed([*cli, "stats", *url, "--model", model, "--by", "outlet,technique", "-f", "json"], peak)
        size_mb = sum(path.stat().st_size for path in Path(folder).glob("corpus.sqlite*")) / 2**20
    return {"add_s": add_s, "run_s": run_s, "stats_s": stats_s, "size_mb": size_mb, "peak_mb": peak[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="fast")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--ptc", type=Path, default=PTC)
    options = parser.parse_args()
    count = sum(len(list((options.ptc / name).glob("article*.txt"))) for name in FOLDERS)
    results = {engine: measure(engine, options.model, options.workers, options.ptc) for engine in options.engines}
    print(f"{count} PTC articles, model {options.model}, {options.workers} workers, {psutil.cpu_count()} cores")
    print(f"{'engine':8} {'add/s':>8} {'run/s':>8} {'end to end/s':>13} {'stats s':>8} {'db MiB':>7} {'peak RSS MiB':>12}")
    for engine, result in results.items():
        total = result["add_s"] + result["run_s"] + result["stats_s"]
        print(f"{engine:8} {count / result['add_s']:8.1f} {count / result['run_s']:8.2f} {count / total:13.2f} "
              f"{result['stats_s']:8.2f} {result['size_mb']:7.1f} {result['peak_mb']:12.0f}")
    if {"local", "ray"} <= results.keys():
        print(f"Ray overhead (run time ray / local): {results['ray']['run_s'] / results['local']['run_s']:.2f}x")


if __name__ == "__main__":
    main()
