"""Pick the PTC train articles and sentences of the news check-worthiness set (evaluation/claims/), and split
them by article into a tuning half and a locked half, before anything is annotated or scored.

    python tools/pick_claim_sentences.py [--ptc ../shared/data/ptc-semeval2020] [-o evaluation/claims/sentences.jsonl]

ARTICLES train articles drawn at random (seed SEED); each keeps its first HEAD sentences and its last TAIL
ones (headlines and datelines open an article, promo and share lines close it), in the project's own split
(enrich.sentences.sentence_ranges, the sentences of an Analysis). The halves: the articles in a second
seeded order, each joining the half with fewer sentences so far. Writes one JSON object per sentence
(article, half, start, end, text, label null, note ""); refuses to overwrite an existing file, so that
labels are never lost.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.files import write_text_atomically
from propaganda_lens.ingest.ptc import article_paths, read_article

ROOT = Path(__file__).resolve().parents[1]
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
OUTPUT = ROOT / "evaluation" / "claims" / "sentences.jsonl"
SEED = 2024
ARTICLES = 28
HEAD = 10
TAIL = 2


def picked_ranges(text: str) -> list[tuple[int, int]]:
    ranges = sentence_ranges(text)
    return ranges if len(ranges) <= HEAD + TAIL else ranges[:HEAD] + ranges[-TAIL:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    if args.output.exists():
        sys.exit(f"{args.output} exists; it may hold labels: remove it first if you mean to start again")
    paths = random.Random(SEED).sample(article_paths(args.ptc / "train-articles"), ARTICLES)
    articles = {path: read_article(path) for path in paths}
    ranges = {path: picked_ranges(article.text) for path, article in articles.items()}
    halves: dict[str, list[Path]] = {"tuning": [], "locked": []}
    for path in random.Random(SEED + 1).sample(paths, len(paths)):
        smaller = min(halves, key=lambda half: sum(len(ranges[p]) for p in halves[half]))
        halves[smaller].append(path)
    rows = []
    for half, members in halves.items():
        for path in sorted(members, key=lambda p: int(articles[p].id)):
            text = articles[path].text
            rows += [{"article": articles[path].id, "half": half, "start": start, "end": end, "text": text[start:end],
                      "label": None, "note": ""} for start, end in ranges[path]]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(args.output, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    for half, members in halves.items():
        print(f"{half}: {len(members)} articles, {sum(len(ranges[p]) for p in members)} sentences")


if __name__ == "__main__":
    main()
