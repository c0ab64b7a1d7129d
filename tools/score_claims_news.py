"""Score the shipped check-worthiness model and the claims stage on the news set (evaluation/claims/) and on
CheckThat! 2024 dev and dev-test: positive-class precision, recall and F1 at the shipped thresholds (an article's
sentences at the model's threshold, CT24 lines at its cut for lines scored alone).

    python tools/score_claims_news.py [--ptc ../shared/data/ptc-semeval2020] [--ct24 ../shared/data/checkthat2024-task1-en]
    python tools/score_claims_news.py --errors    # the tuning half's errors (never the locked half's)
    python tools/score_claims_news.py --model FOLDER [--threshold T]    # another model folder, or another cut

Rows: "model" is the model's probability alone; "claims stage" is what an analysis decides: the model, with
the sentence roles of claims/roles.py (a headline, credit, caption, promo line or question is never a claim),
each news sentence read with its article around it. A second table counts each half's sentences by role. The
`claims` command scores CT24 lines with the model alone: a line has no article around it, and CheckThat!
labels 4 % of its debate questions Yes (the "line roles" rows show what the rules that need no article would
do there).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from propaganda_lens.claims import shipped_checkworthiness_model
from propaganda_lens.claims.checkworthiness import CheckworthinessModel
from propaganda_lens.claims.roles import Role, line_role, sentence_roles, statements_only
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.ingest.ptc import read_article
from propaganda_lens.train.checkworthiness import SPLIT_FILES, positive_f1, read_sentences

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "evaluation" / "claims" / "sentences.jsonl"
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
CT24 = ROOT.parent / "shared" / "data" / "checkthat2024-task1-en"
HALVES = ("tuning", "locked")


def news_scores(rows: list[dict], ptc: Path, model) -> dict[str, tuple[np.ndarray, np.ndarray, list]]:
    """Per half: the model's probabilities, the claims stage's and the roles of the annotated sentences."""
    by_article = defaultdict(list)
    for row in rows:
        by_article[row["article"]].append(row)
    for article_rows in by_article.values():
        article = read_article(ptc / "train-articles" / f"article{article_rows[0]['article']}.txt")
        ranges = sentence_ranges(article.text)
        roles = dict(zip(ranges, sentence_roles(article.text, ranges)))
        probabilities = model.probabilities([row["text"] for row in article_rows])
        for row, probability in zip(article_rows, probabilities):
            if (row["start"], row["end"]) not in roles:
                sys.exit(f"article {row['article']} [{row['start']}, {row['end']}): not a sentence of the current split; "
                         "the sentence split changed since the set was picked (see evaluation/claims/GUIDELINES.md)")
            row["model"], row["role"] = float(probability), roles[(row["start"], row["end"])]
    return {half: [row for row in rows if row["half"] == half] for half in HALVES}


def scores(probabilities, labels, threshold: float) -> dict:
    return positive_f1(np.asarray(probabilities), np.asarray(labels), threshold)


def table_row(name: str, part: str, result: dict, sentences: int) -> str:
    return (f"| {name} | {part} | {sentences} | {result['precision']:.3f} | {result['recall']:.3f} | "
            f"**{result['f1']:.3f}** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--ct24", type=Path, default=CT24)
    parser.add_argument("--model", type=Path, help="a check-worthiness model folder (default: the shipped one)")
    parser.add_argument("--threshold", type=float, help="the cut (default: the model's own)")
    parser.add_argument("--errors", action="store_true", help="list the tuning half's errors of the claims stage")
    args = parser.parse_args()
    model = CheckworthinessModel.from_disk(args.model) if args.model else shipped_checkworthiness_model()
    threshold = model.config.threshold if args.threshold is None else args.threshold
    line_cut = model.config.line_cut if args.threshold is None else args.threshold
    rows = [json.loads(line) for line in args.annotations.read_text(encoding="utf-8").splitlines() if line.strip()]
    halves = news_scores(rows, args.ptc, model)
    print(f"threshold {threshold}\n\n| data | scored by | sentences | precision | recall | F1 |\n|---|---|---|---|---|---|")
    for half in HALVES:
        part = halves[half]
        labels = [row["label"] == "Yes" for row in part]
        model_only = [row["model"] for row in part]
        staged = statements_only(model_only, [row["role"] for row in part])
        print(table_row(f"news, {half} half", "model", scores(model_only, labels, threshold), len(part)))
        print(table_row(f"news, {half} half", "claims stage", scores(staged, labels, threshold), len(part)))
    print("\n| half | role | sentences | labelled Yes | model at or above the threshold |\n|---|---|---|---|---|")
    for half in HALVES:
        for role in Role:
            part = [row for row in halves[half] if row["role"] is role]
            print(f"| {half} | {role.value} | {len(part)} | {sum(row['label'] == 'Yes' for row in part)} | "
                  f"{sum(row['model'] >= threshold for row in part)} |")
    print(f"\nlines scored alone: threshold {line_cut}\n\n| data | scored by | sentences | precision | recall | F1 |\n"
          "|---|---|---|---|---|---|")
    for split in ("dev", "dev-test"):
        sentences = read_sentences(args.ct24 / SPLIT_FILES[split])
        texts = [sentence.text for sentence in sentences]
        labels = [sentence.check_worthy for sentence in sentences]
        probabilities = model.probabilities(texts)
        staged = statements_only(probabilities, [line_role(text) for text in texts])
        print(table_row(f"CT24 {split}", "model (claims command)", scores(probabilities, labels, line_cut), len(texts)))
        print(table_row(f"CT24 {split}", "model + line roles (unused)", scores(staged, labels, line_cut), len(texts)))
    if args.errors:
        tuning = halves["tuning"]
        staged = statements_only([row["model"] for row in tuning], [row["role"] for row in tuning])
        print("\nTuning half, claims stage errors (label, probability, role, text):")
        for row, probability in zip(tuning, staged):
            if (probability >= threshold) != (row["label"] == "Yes"):
                print(f"{row['label']:3} {probability:.2f} {row['role'].value:9} {row['article']} {row['text'][:150]}")


if __name__ == "__main__":
    main()
