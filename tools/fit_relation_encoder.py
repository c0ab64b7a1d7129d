"""Fit a relation encoder (actors/relation_encoder.py) on the tuning set: MiniLM fine-tuned to read which of two
marked actors supports or opposes the other; its threshold and how it joins the rules are chosen by
cross-validation over the tuning articles. Needs the `train` extra.

    python tools/fit_relation_encoder.py --output FOLDER [--annotations evaluation/structure/annotations.jsonl] [--dry-run]
    python tools/score_structure.py --relation-head FOLDER [--annotations FILE]    # score it

Each tuning article is parsed and its actors found as the stage does; every pair of actors named in a sentence
(`relation_encoder.candidates`) is a training text with both mentions marked. Its label is the gold relation
between the two matched actors when the relation's quote lies in that sentence, "none" when the gold file relates
them nowhere; a pair related in the gold file but quoted in another sentence is left out of training (the gold file
does not say whether this sentence states it too; `--every-mention` labels it there too). The recipe (MiniLM, 6
epochs, learning rate 5e-5, batch 16, half the "none" pairs each epoch) is the best of those tried by the same
folds (evaluation/structure/README.md); the threshold and the mode (union with the rules, only where the rules relate neither
direction, or the encoder alone) are those with the best relation F1 of the rules and the encoder, micro-averaged
over `--folds` leave-articles-out folds, counted as tools/score_structure.py counts. The encoder is then fitted on
all the tuning articles. The locked sets are never read.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score_structure  # noqa: E402
from fit_relation_model import counts_with, f1_of  # noqa: E402

from propaganda_lens.actors.relation_encoder import (  # noqa: E402
    CLASSES, Candidate, RelationEncoder, RelationEncoderConfig, best_relations, candidates, marked_text,
)
from propaganda_lens.files import write_text_atomically  # noqa: E402

RECIPE = {"epochs": 6, "learning_rate": 5e-5, "batch_size": 16, "seed": 13, "background_share": 0.5}
MAX_TOKENS = 128
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 20))
MODES = ("union", "fill", "alone")


@dataclass
class Article:
    """One tuning article as the encoder sees it, with its gold and rule relations in the scorer's terms."""

    name: str
    candidates: list[Candidate]
    texts: list[str]
    labels: numpy.ndarray  # index into CLASSES per candidate; -1: left out of training
    matched: dict[str, str]  # found actor id -> gold name
    gold: set[tuple[str, str, str]]
    rules: list[tuple[str, str, str]]  # (source id, polarity, target id)


def label(
    candidate: Candidate, sentence_of_quote: dict[tuple[str, str, str], int | None], matched: dict[str, str],
    every_mention: bool = False,
) -> int:
    """The class of a candidate: the gold relation between its matched actors when the relation's quote lies in its
    sentence (`every_mention`: in any sentence), -1 (left out) when they are related but quoted elsewhere, else 0."""
    first, second = matched.get(candidate.first), matched.get(candidate.second)
    related = [(key, sentence) for key, sentence in sentence_of_quote.items()
               if first and second and {key[0], key[2]} == {first, second}]
    for (source, polarity, _), sentence in related:
        if sentence == candidate.sentence or every_mention:
            return CLASSES.index(f"first {polarity} second" if source == first else f"second {polarity} first")
    return -1 if related else 0


def articles(annotations: Path, ptc: Path, every_mention: bool = False) -> list[Article]:
    found = []
    for record in score_structure.article_records(annotations):
        article = score_structure.parsed_article(record, ptc)
        sentences = list(article.doc.sents)
        starts = [sentence.start_char for sentence in sentences]
        sentence_of_quote = {}
        for relation in record["relations"]:
            offset = article.text.find(relation["quote"]) if relation.get("quote") else -1
            sentence = max((i for i, start in enumerate(starts) if start <= offset), default=None) if offset >= 0 else None
            sentence_of_quote[relation["source"], relation["polarity"], relation["target"]] = sentence
        pairs = candidates(article.doc, article.actor_of_token)
        found.append(Article(
            record["article"], pairs, [marked_text(article.text, article.doc, sentences[c.sentence], c) for c in pairs],
            numpy.array([label(c, sentence_of_quote, article.matched, every_mention) for c in pairs], dtype=numpy.int64),
            article.matched, set(sentence_of_quote), [(r.source, r.polarity, r.target) for r in article.relations],
        ))
    return found


def relation_counts(article: Article, probabilities: numpy.ndarray, threshold: float, mode: str) -> tuple[int, int, int]:
    """`counts_with` the encoder's relations over `threshold`."""
    best = best_relations(article.candidates, probabilities)
    return counts_with(article, [relation for relation, (score, _) in best.items() if score >= threshold], mode)


def fit(base: Path, chosen: list[Article]):
    from propaganda_lens.train.classifier import encode, fine_tune

    texts = [text for article in chosen for text, label in zip(article.texts, article.labels) if label >= 0]
    labels = numpy.array([label for article in chosen for label in article.labels if label >= 0])
    encodings, pad_id = encode(base, texts, MAX_TOKENS)
    return fine_tune(base, encodings, labels, pad_id, len(CLASSES), **RECIPE)


def out_of_fold(base: Path, data: list[Article], folds: int) -> list[numpy.ndarray]:
    """Each article's candidate probabilities from the encoder fitted on the other folds."""
    from propaganda_lens.train.classifier import encode, predict

    result: list[numpy.ndarray] = [numpy.zeros((0, len(CLASSES)))] * len(data)
    for fold in range(folds):
        held = list(range(fold, len(data), folds))
        network = fit(base, [article for index, article in enumerate(data) if index not in held])
        encodings, pad_id = encode(base, [text for index in held for text in data[index].texts], MAX_TOKENS)
        probabilities = predict(network, encodings, pad_id)
        ends = numpy.cumsum([len(data[index].texts) for index in held])
        for index, rows in zip(held, numpy.split(probabilities, ends[:-1])):
            result[index] = rows
        logging.info("fold %d of %d done", fold + 1, folds)
    return result


def knob_table(data: list[Article], probabilities: list[numpy.ndarray]) -> list[tuple[tuple[float, float, float], dict]]:
    """(P, R, F1) of each threshold and mode, best F1 first."""
    results = [
        (f1_of([relation_counts(article, rows, threshold, mode) for article, rows in zip(data, probabilities)]),
         {"threshold": threshold, "mode": mode})
        for threshold, mode in product(THRESHOLDS, MODES)
    ]
    return sorted(results, key=lambda result: -result[0][2])


def export(network, base: Path, config: RelationEncoderConfig, data: list[Article], output: Path) -> dict:
    """Write the model folder: int8 unless it loses more than a point of relation F1 against fp32 on the tuning
    articles (a training figure of both; it measures the quantization only)."""
    from propaganda_lens.detect.detector import CONFIG_FILE, TOKENIZER_FILE, write_checksums
    from propaganda_lens.text_classifier import MODEL_FILE
    from propaganda_lens.train.classifier import export_onnx

    with tempfile.TemporaryDirectory() as scratch:
        folders = {variant: Path(scratch) / variant for variant in ("fp32", "int8")}
        for folder in folders.values():
            folder.mkdir()
            shutil.copy(base / "tokenizer.json", folder / TOKENIZER_FILE)
            write_text_atomically(folder / CONFIG_FILE, config.to_json())
        export_onnx(network, folders["fp32"] / MODEL_FILE, folders["int8"] / MODEL_FILE)
        scores = {}
        for variant, folder in folders.items():
            write_checksums(folder, [MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE])
            encoder = RelationEncoder.load(folder)
            counts = [relation_counts(article, encoder.probabilities(article.texts), config.threshold, config.mode)
                      for article in data]
            scores[variant] = dict(zip(("precision", "recall", "f1"), f1_of(counts)))
        chosen = "int8" if scores["fp32"]["f1"] - scores["int8"]["f1"] <= 0.01 else "fp32"
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(folders[chosen], output)
    return {"weights": chosen, "tuning_set_training_figure": scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=Path, default=score_structure.ANNOTATIONS)
    parser.add_argument("--ptc", type=Path, default=score_structure.PTC)
    parser.add_argument("--output", type=Path, required=True, help="The model folder to write (replaced).")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--every-mention", action="store_true",
                        help="Label a related pair in every sentence that names both, not only in its quote's.")
    parser.add_argument("--dry-run", action="store_true", help="Cross-validate and print, write nothing.")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if score_structure.is_locked(arguments.annotations):
        sys.exit("error: a locked set is never fitted on")
    from propaganda_lens.train.base_models import resolve

    base = resolve("minilm")
    data = articles(arguments.annotations, arguments.ptc, arguments.every_mention)
    labels = numpy.concatenate([article.labels for article in data])
    gold = sum(len(article.gold) for article in data)
    print(f"{len(data)} articles, {len(labels)} candidate pairs: {int((labels > 0).sum())} labelled with a relation, "
          f"{int((labels < 0).sum())} left out; {gold} gold relations")
    rules = f1_of([relation_counts(article, numpy.zeros((len(article.candidates), len(CLASSES))), 1.0, "fill")
                   for article in data])
    print("rules alone: P {:.3f} R {:.3f} F1 {:.3f}".format(*rules))
    table = knob_table(data, out_of_fold(base, data, arguments.folds))
    for scores, knobs in table[:8]:
        print("cross-validated P {:.3f} R {:.3f} F1 {:.3f}".format(*scores), knobs)
    (precision, recall, f1), knobs = table[0]
    if arguments.dry_run:
        return
    config = RelationEncoderConfig(arguments.output.name, MAX_TOKENS, knobs["threshold"], knobs["mode"])
    evaluation = export(fit(base, data), base, config, data, arguments.output)
    evaluation.update({
        "recipe": RECIPE, "folds": arguments.folds, "articles": len(data), "candidates": len(labels),
        "labelled_relations": int((labels > 0).sum()), "gold_relations": gold, "threshold": knobs["threshold"],
        "mode": knobs["mode"], "rules_alone": dict(zip(("precision", "recall", "f1"), rules)),
        "cross_validated": {"precision": precision, "recall": recall, "f1": f1},
    })
    write_text_atomically(arguments.output / "evaluation.json", json.dumps(evaluation, indent=2) + "\n")
    print(f"wrote {arguments.output} ({evaluation['weights']})")


if __name__ == "__main__":
    sys.exit(main())
