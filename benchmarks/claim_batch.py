"""The check-worthiness model's sentences scored alone (shipped) against length-sorted batches (as before).

    python benchmarks/claim_batch.py [--batch 32] [--passes 3] [--ptc ../shared/data/ptc-semeval2020]

The sentences of the 75 PTC dev articles, article by article as the claims stage hands them over, on one
thread. Prints the seconds of each way (the median of `--passes` alternating passes), and how far the int8
model's probabilities move between the two: the largest difference and the share of sentences on the other
side of the shipped threshold. Nothing is learnt from the texts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from propaganda_lens.claims.checkworthiness import CheckworthinessModel
from propaganda_lens.detect.detector import softmax
from propaganda_lens.detect.encoding import special_token_ids
from propaganda_lens.enrich.sentences import sentence_ranges

PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptc-semeval2020"


def batched(model: CheckworthinessModel, sentences: list[str], size: int) -> np.ndarray:
    """The probabilities as they were scored before: length-sorted batches of `size`, padded."""
    result = np.zeros(len(sentences), dtype=np.float32)
    encodings = model.tokenizer.encode_batch(sentences)
    pad = special_token_ids(model.tokenizer)[2]
    order = sorted(range(len(sentences)), key=lambda index: len(encodings[index].ids))
    for begin in range(0, len(order), size):
        chosen = order[begin : begin + size]
        width = max(len(encodings[index].ids) for index in chosen)
        ids = np.full((len(chosen), width), pad, dtype=np.int64)
        mask = np.zeros((len(chosen), width), dtype=np.int64)
        for row, index in enumerate(chosen):
            ids[row, : len(encodings[index].ids)] = encodings[index].ids
            mask[row, : len(encodings[index].ids)] = 1
        (logits,) = model.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})
        result[chosen] = softmax(logits)[:, 1]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--ptc", type=Path, default=PTC)
    options = parser.parse_args()
    articles = []
    for path in sorted((options.ptc / "dev-articles").glob("article*.txt")):
        text = path.read_text(encoding="utf-8")
        articles.append([text[start:end] for start, end in sentence_ranges(text)])
    model = CheckworthinessModel.from_disk(threads=1)
    ways = {"alone": model.probabilities, f"batches of {options.batch}": lambda sentences: batched(model, sentences, options.batch)}
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    scores: dict[str, np.ndarray] = {}
    for _ in range(options.passes):
        for name, score in ways.items():
            started = time.perf_counter()
            scores[name] = np.concatenate([score(sentences) for sentences in articles])
            seconds[name].append(time.perf_counter() - started)
    count = len(scores["alone"])
    print(f"{count} sentences of {len(articles)} PTC dev articles, one thread, median of {options.passes} passes")
    for name, times in seconds.items():
        print(f"  {name:15} {statistics.median(times):6.2f} s  {count / statistics.median(times):7.1f} sentences/s")
    alone, other = scores["alone"], scores[f"batches of {options.batch}"]
    threshold = model.config.threshold
    flipped = int(((alone >= threshold) != (other >= threshold)).sum())
    print(f"largest difference {np.abs(alone - other).max():.3f}; {flipped} sentences ({flipped / count:.1%}) on the other "
          f"side of the threshold {threshold}")


if __name__ == "__main__":
    main()
