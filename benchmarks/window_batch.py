"""How much a detector's scores and a worker's memory move with the encoder's window batch size.

    python benchmarks/window_batch.py [--model accurate] [--batches 16 8 1] [--ptc ../shared/data/ptc-semeval2020]

The int8 encoders quantize activations per call, over the whole batch of windows, so the batch size changes
the numbers a little. For each batch size this prints SI F1 (at the model's own decoding) and TC F1 on PTC
dev (75 articles, on which the model's epoch and decoding were chosen) and on the 32 train articles the
shipped models never trained on (`holdout.txt`), then, in a fresh process per size, the peak RSS and CPU
seconds of a corpus worker (every stage) on the 24 longest PTC train texts. Nothing is fitted here.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptc-semeval2020"


def scores(model: str, batch: int, ptc: Path) -> None:
    from propaganda_lens.detect.detector import Detector
    from propaganda_lens.train.evaluation import evaluate_split
    from propaganda_lens.train.examples import load_split, split_off

    detector = Detector.from_disk(model)
    detector.config.batch_size = batch
    for name, split in (("dev", load_split(ptc, "dev")), ("held-out train", split_off(load_split(ptc, "train"), 0.1)[1])):
        result = evaluate_split(detector, split, grid=[detector.config.decoding])
        print(f"  batch {batch:2}  {name:15} {len(split.articles):3} articles  SI F1 {result.si.f1:.4f}  TC F1 {result.tc.f1:.4f}",
              flush=True)


def worker_memory(model: str, batch: int, ptc: Path) -> None:
    """Run in a child: one corpus worker analyzes the longest texts, 8 at a time, as `corpus run` does."""
    from propaganda_lens.corpus.work import ARTICLES_PER_CALL, WorkItem, analyze_batch, load_worker
    from propaganda_lens.ingest.sources import article_from_text

    paths = sorted((ptc / "train-articles").glob("article*.txt"), key=lambda path: -path.stat().st_size)[:24]
    loaded = load_worker(model, 1)
    loaded.detector.config.batch_size = batch
    items = [WorkItem(index, article_from_text(path.read_text(encoding="utf-8"), path.stem, str(path), input_format="text"))
             for index, path in enumerate(paths)]
    started = time.process_time()
    for begin in range(0, len(items), ARTICLES_PER_CALL):
        analyze_batch(loaded, items[begin : begin + ARTICLES_PER_CALL])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  batch {batch:2}  worker peak RSS {peak:.0f} MiB, {time.process_time() - started:.1f} CPU s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="accurate")
    parser.add_argument("--batches", type=int, nargs="+", default=[16, 8, 1])
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # the child's batch size
    options = parser.parse_args()
    if options.worker is not None:
        worker_memory(options.model, options.worker, options.ptc)
        return
    print(f"{options.model}: scores by window batch size")
    for batch in options.batches:
        scores(options.model, batch, options.ptc)
    print(f"{options.model}: a corpus worker on the 24 longest PTC train texts")
    for batch in options.batches:
        subprocess.run([sys.executable, __file__, "--model", options.model, "--ptc", str(options.ptc),
                        "--worker", str(batch)], check=True)


if __name__ == "__main__":
    main()
