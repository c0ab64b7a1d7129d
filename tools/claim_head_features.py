"""Pooled encoder states of a detector for check-worthiness heads (issue 23, item 1), cached as .npy files.

    python tools/claim_head_features.py --model fast -o /work/runs/claim-feats/fast [--ct24 …] [--ptc …]
    python tools/claim_head_features.py --model fast --ct24-context -o /work/runs/claim-feats-ctx/fast

Per sentence the vector is the detector's own span pooling (detect.encoding.pool_span: mean, first and last
token of the sentence's rows), the input a head on the detector's states would see in an analysis:
- the news set (evaluation/claims/sentences.jsonl): the sentence's rows in the window the detector gives it
  when it encodes the whole PTC train article (Detector.run, Detector.span_vectors);
- CT24 train, dev and dev-test, by default: each sentence encoded alone, as a one-sentence text (one window);
- with `--ct24-context`: in context, as news is encoded. A split's lines, sorted by Sentence_id, are cut into
  pseudo-articles of consecutive ids (at most `--max-lines` lines; a new one where the next id is more than
  `--max-gap` above the last), joined with "\n" and run through the detector as an article; each line is
  pooled over its own character range, exactly as a news sentence.
Writes `{split}.npy` (float32, n × 3H), `{split}.labels.npy` (bool) and `{split}.groups.npy` (the sentence's
pseudo-article; with sentences alone, its own number) per split in the file's order, `news.npy`/
`news.labels.npy`/`news.halves.npy` in the order of the news set's lines, and `timing.json` (encoder seconds
per sentence and per news article).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from propaganda_lens.detect.detector import Detector
from propaganda_lens.detect.encoding import pool_span
from propaganda_lens.ingest.ptc import read_article
from propaganda_lens.train.checkworthiness import SPLIT_FILES, LabelledSentence, read_sentences

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "evaluation" / "claims" / "sentences.jsonl"
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
CT24 = ROOT.parent / "shared" / "data" / "checkthat2024-task1-en"
BATCH_SIZE = 64
MAX_LINES = 20
MAX_GAP = 25


def sentence_vectors(detector: Detector, texts: list[str]) -> np.ndarray:
    """Each text encoded alone, [CLS] tokens [SEP] (at most one window), pooled over its tokens."""
    config = detector.config
    limit = config.window_size - 2
    token_ids = [encoding.ids[:limit] or [config.sep_token_id] for encoding in
                 detector.tokenizer.encode_batch(texts, add_special_tokens=False)]
    order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
    vectors: list[np.ndarray | None] = [None] * len(texts)
    for begin in range(0, len(order), BATCH_SIZE):
        chosen = order[begin : begin + BATCH_SIZE]
        width = max(len(token_ids[i]) for i in chosen) + 2
        input_ids = np.full((len(chosen), width), config.pad_token_id, dtype=np.int64)
        attention_mask = np.zeros((len(chosen), width), dtype=np.int64)
        for row, index in enumerate(chosen):
            tokens = [config.cls_token_id, *token_ids[index], config.sep_token_id]
            input_ids[row, : len(tokens)] = tokens
            attention_mask[row, : len(tokens)] = 1
        _, hidden = detector.backend.encode_windows(input_ids, attention_mask)
        for row, index in enumerate(chosen):
            vectors[index] = pool_span(hidden[row], 1, len(token_ids[index]) + 1)
    return np.asarray(vectors, dtype=np.float32)


def pooled_in_context(detector: Detector, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
    """The vectors of character spans of a text that the detector encodes as an article (its windows)."""
    return detector.span_vectors(detector.run(text), spans)


def pseudo_articles(ids: list[int], max_lines: int, max_gap: int) -> list[list[int]]:
    """Indices of `ids`, in id order, cut into runs: a new run after `max_lines` lines or where the next id is
    more than `max_gap` above the previous one (another place of the debates)."""
    runs: list[list[int]] = []
    previous = None
    for index in sorted(range(len(ids)), key=ids.__getitem__):
        if previous is None or len(runs[-1]) >= max_lines or ids[index] - previous > max_gap:
            runs.append([])
        runs[-1].append(index)
        previous = ids[index]
    return runs


def context_vectors(
    detector: Detector, sentences: list[LabelledSentence], max_lines: int, max_gap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's vector from its pseudo-article's windows, and its pseudo-article's number (file order)."""
    vectors = np.zeros((len(sentences), 0), dtype=np.float32)
    groups = np.zeros(len(sentences), dtype=np.int64)
    for number, members in enumerate(pseudo_articles([int(s.id) for s in sentences], max_lines, max_gap)):
        spans, start = [], 0
        for index in members:
            spans.append((start, start + len(sentences[index].text)))
            start = spans[-1][1] + 1
        pooled = pooled_in_context(detector, "\n".join(sentences[index].text for index in members), spans)
        if vectors.shape[1] == 0:
            vectors = np.zeros((len(sentences), pooled.shape[1]), dtype=np.float32)
        vectors[members] = pooled
        groups[members] = number
    return vectors, groups


def news_vectors(detector: Detector, rows: list[dict], ptc: Path) -> tuple[np.ndarray, float, int]:
    """The news sentences' vectors from their articles' windows; seconds spent and articles encoded."""
    by_article = defaultdict(list)
    for index, row in enumerate(rows):
        by_article[row["article"]].append(index)
    vectors = np.zeros((len(rows), 0), dtype=np.float32)
    seconds = 0.0
    for article_id, indices in by_article.items():
        article = read_article(ptc / "train-articles" / f"article{article_id}.txt")
        began = time.perf_counter()
        pooled = pooled_in_context(detector, article.text, [(rows[i]["start"], rows[i]["end"]) for i in indices])
        seconds += time.perf_counter() - began
        if vectors.shape[1] == 0:
            vectors = np.zeros((len(rows), pooled.shape[1]), dtype=np.float32)
        vectors[indices] = pooled
    return vectors, seconds, len(by_article)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="fast", help="a shipped detector (fast, accurate) or a model folder")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--ct24", type=Path, default=CT24)
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--splits", nargs="+", default=["dev", "dev-test", "train"])
    parser.add_argument("--ct24-context", action="store_true", help="encode CT24 lines in pseudo-articles")
    parser.add_argument("--max-lines", type=int, default=MAX_LINES, help="lines per pseudo-article at most")
    parser.add_argument("--max-gap", type=int, default=MAX_GAP, help="the largest id gap inside a pseudo-article")
    args = parser.parse_args()
    if args.max_lines < 1 or args.max_gap < 1:
        parser.error("--max-lines and --max-gap must be at least 1")
    args.output.mkdir(parents=True, exist_ok=True)
    detector = Detector.from_disk(args.model)
    timing = {"model": detector.config.name, "ct24": "context" if args.ct24_context else "alone"}
    if args.ct24_context:
        timing |= {"max_lines": args.max_lines, "max_gap": args.max_gap}
    rows = [json.loads(line) for line in args.annotations.read_text(encoding="utf-8").splitlines() if line.strip()]
    vectors, seconds, articles = news_vectors(detector, rows, args.ptc)
    np.save(args.output / "news.npy", vectors)
    np.save(args.output / "news.labels.npy", np.asarray([row["label"] == "Yes" for row in rows]))
    np.save(args.output / "news.halves.npy", np.asarray([row["half"] for row in rows]))
    timing["news_seconds_per_article"] = seconds / articles
    for split in args.splits:
        sentences = read_sentences(args.ct24 / SPLIT_FILES[split])
        began = time.perf_counter()
        if args.ct24_context:
            vectors, groups = context_vectors(detector, sentences, args.max_lines, args.max_gap)
        else:
            vectors, groups = sentence_vectors(detector, [s.text for s in sentences]), np.arange(len(sentences))
        timing[f"{split}_seconds_per_sentence"] = (time.perf_counter() - began) / len(sentences)
        timing[f"{split}_pseudo_articles"] = int(groups.max()) + 1
        np.save(args.output / f"{split}.npy", vectors)
        np.save(args.output / f"{split}.labels.npy", np.asarray([s.check_worthy for s in sentences]))
        np.save(args.output / f"{split}.groups.npy", groups)
        print(split, vectors.shape, f"{timing[f'{split}_seconds_per_sentence'] * 1000:.2f} ms/sentence", flush=True)
    (args.output / "timing.json").write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(timing))


if __name__ == "__main__":
    main()
