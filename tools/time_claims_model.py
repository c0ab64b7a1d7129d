"""Time the shipped check-worthiness model as the claims stage runs it: per CT24 dev sentence, and per news-set
article (all of the article's sentences), to compare with the detector's encoder time per article that
tools/claim_head_features.py records.

    python tools/time_claims_model.py [--model FOLDER]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from propaganda_lens.claims import shipped_checkworthiness_model
from propaganda_lens.claims.checkworthiness import CheckworthinessModel
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.ingest.ptc import read_article
from propaganda_lens.train.checkworthiness import SPLIT_FILES, read_sentences

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "evaluation" / "claims" / "sentences.jsonl"
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
CT24 = ROOT.parent / "shared" / "data" / "checkthat2024-task1-en"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a check-worthiness model folder (default: the shipped one)")
    args = parser.parse_args()
    model = CheckworthinessModel.from_disk(args.model) if args.model else shipped_checkworthiness_model()
    texts = [sentence.text for sentence in read_sentences(CT24 / SPLIT_FILES["dev"])]
    model.probabilities(texts[:64])  # warm
    began = time.perf_counter()
    model.probabilities(texts)
    per_sentence = (time.perf_counter() - began) / len(texts)
    rows = [json.loads(line) for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = sorted({row["article"] for row in rows})
    seconds = sentences = 0
    for article_id in articles:
        text = read_article(PTC / "train-articles" / f"article{article_id}.txt").text
        ranges = sentence_ranges(text)
        began = time.perf_counter()
        model.probabilities([text[start:end] for start, end in ranges])
        seconds += time.perf_counter() - began
        sentences += len(ranges)
    print(json.dumps({"ms_per_ct24_dev_sentence": round(per_sentence * 1000, 2),
                      "ms_per_news_article": round(seconds / len(articles) * 1000, 1),
                      "sentences_per_news_article": round(sentences / len(articles), 1)}))


if __name__ == "__main__":
    main()
