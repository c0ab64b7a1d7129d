"""The parse's speed and memory by nlp.pipe batch size, and whether the parses are the same.

    python benchmarks/parse_batch.py [--batches 16 2] [--texts 160] [--longest]

For each batch size (chunks of `enrich.parsing.CHUNK_CHARS` per `nlp.pipe` batch), a fresh process parses
PTC train texts 8 at a time with `parse_many`, as a corpus worker does, and prints the seconds, its peak RSS
above the loaded pipeline, and whether every token's tag, part of speech, dependency, head, lemma and entity
equal the first batch size's. `--longest` takes the longest texts instead of the first by name.
"""

from __future__ import annotations

import argparse
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptc-semeval2020"
TEXTS_PER_CALL = 8


def parse_texts(batch: int, paths: list[Path], output: Path) -> None:
    """In a child: parse the texts at `paths`, write their token attributes to `output`, print the figures."""
    sys.modules["torch"] = None  # as a corpus worker does (corpus.work.load_worker)
    from propaganda_lens.enrich import parsing
    from propaganda_lens.enrich.sentences import sentence_ranges

    parsing.BATCH = batch
    parsing.english_pipeline()
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    texts = [path.read_text(encoding="utf-8") for path in paths]
    started = time.perf_counter()
    tokens = []
    for first in range(0, len(texts), TEXTS_PER_CALL):
        docs = parsing.parse_many([(text, sentence_ranges(text)) for text in texts[first : first + TEXTS_PER_CALL]])
        tokens.extend([(token.tag_, token.pos_, token.dep_, token.head.i, token.lemma_, token.ent_iob_, token.ent_type_)
                       for token in doc] for doc in docs)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    output.write_bytes(pickle.dumps(tokens))
    print(f"  batch {batch:2}: {seconds:6.1f} s, peak RSS {peak - loaded:5.0f} MiB above the loaded pipeline", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[16, 2])
    parser.add_argument("--texts", type=int, default=160)
    parser.add_argument("--longest", action="store_true")
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # batch size, output file
    options = parser.parse_args()
    paths = sorted((options.ptc / "train-articles").glob("article*.txt"),
                   key=lambda path: -path.stat().st_size if options.longest else path.name)[: options.texts]
    if options.child:
        parse_texts(int(options.child[0]), paths, Path(options.child[1]))
        return
    print(f"{len(paths)} PTC train texts, {TEXTS_PER_CALL} per parse_many call")
    with tempfile.TemporaryDirectory() as scratch:
        parses = []
        for batch in options.batches:
            output = Path(scratch) / f"{batch}.pickle"
            subprocess.run([sys.executable, __file__, "--texts", str(options.texts), "--ptc", str(options.ptc),
                            *(["--longest"] if options.longest else []), "--child", str(batch), str(output)], check=True)
            parses.append(pickle.loads(output.read_bytes()))
        for batch, parsed in zip(options.batches[1:], parses[1:]):
            differing = sum(a != b for first, other in zip(parses[0], parsed) for a, b in zip(first, other))
            print(f"  batch {batch} against batch {options.batches[0]}: {differing} tokens differ")


if __name__ == "__main__":
    main()
