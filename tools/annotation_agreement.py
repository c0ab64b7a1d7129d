"""Agreement between two annotations of the same articles (evaluation/structure/GUIDELINES.md), scored as
score_structure.py scores the tool: actors matched by name or alias, relations as (source, polarity, target)
over matched actors, predictions as sentences.

    python tools/annotation_agreement.py evaluation/structure/second-annotation.jsonl \
        [--against evaluation/structure/annotations.jsonl evaluation/structure/locked.jsonl]

Only the articles of the first file are compared; the second annotation is treated as the "found" side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_structure import (  # noqa: E402
    ANNOTATIONS, LOCKED, PTC, Tally, annotated_forms, article_text, matched_actors, prediction_sentences,
)

from propaganda_lens.enrich.sentences import sentence_ranges  # noqa: E402


def records(paths: list[Path]) -> dict[str, dict]:
    return {record["article"]: record for path in paths
            for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def agreement(second: dict[str, dict], first: dict[str, dict], ptc: Path) -> dict[str, Tally]:
    tallies = {"actors": Tally(), "relations": Tally(), "predictions": Tally()}
    for article, other in second.items():
        gold = first[article]
        matched = matched_actors(annotated_forms(other), annotated_forms(gold))
        tally = tallies["actors"]
        tally.found += len(other["actors"])
        tally.gold += len(gold["actors"])
        tally.right += len(matched)
        gold_relations = {(r["source"], r["polarity"], r["target"]) for r in gold["relations"]}
        found_relations = {(matched.get(r["source"], r["source"]), r["polarity"], matched.get(r["target"], r["target"]))
                           for r in other["relations"]}
        tally = tallies["relations"]
        tally.found += len(found_relations)
        tally.gold += len(gold_relations)
        tally.right += len(found_relations & gold_relations)
        text = article_text(ptc, gold)
        sentences = sentence_ranges(text)
        gold_sentences = prediction_sentences(gold, text, sentences)
        found_sentences = prediction_sentences(other, text, sentences)
        tally = tallies["predictions"]
        tally.found += len(found_sentences)
        tally.gold += len(gold_sentences)
        tally.right += len(found_sentences & gold_sentences)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("second", type=Path)
    parser.add_argument("--against", type=Path, nargs="+", default=[ANNOTATIONS, LOCKED])
    parser.add_argument("--ptc", type=Path, default=PTC)
    arguments = parser.parse_args()
    second = records([arguments.second])
    tallies = agreement(second, records(arguments.against), arguments.ptc)
    print(f"{len(second)} articles annotated twice")
    print(f"{'part':<12}{'second':>7}{'first':>7}{'both':>7}{'F1':>8}")
    for part, tally in tallies.items():
        row = tally.row()
        print(f"{part:<12}{row['found']:>7}{row['gold']:>7}{row['right']:>7}{row['f1']:>8.3f}")


if __name__ == "__main__":
    main()
