"""Fit the relation head (src/propaganda_lens/actors/relation_model.npz) on the tuning set, choosing every knob
by cross-validation over its articles.

    python tools/fit_relation_model.py [--annotations evaluation/structure/annotations.jsonl] [--ptc ../shared/data/ptc-semeval2020] [--output PATH] [--dry-run]

Each tuning article is parsed and its actors found as the stage does; every ordered pair of actors named in a
sentence is labelled from the gold file the way tools/score_structure.py matches relations (both actors matched
to gold actors, the gold relation (source, polarity, target) exists), else "none". A related pair is learned
from only in the sentence its relation's quote is in: elsewhere the pair may be named without the relation. The
knobs (L2 strength, weight of the two relation classes, how a pair's scores in its sentences add up, threshold,
and whether the head's relations join the rules' by union or only where the rules relate neither direction) are
those with the best relation F1, micro-averaged over `FOLDS` leave-articles-out folds, of the rules and the head
together. The head is then refitted on all the articles with those knobs. Deterministic: the same file gives the
same weights. The locked set is not read.
"""

from __future__ import annotations

import argparse
import sys
from bisect import bisect_right
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score_structure  # noqa: E402

from propaganda_lens.actors.relation_model import (  # noqa: E402
    BUCKETS, HEAD, POLARITIES, Pair, best_per_pair, bucket, probabilities, sentence_pairs,
)
from propaganda_lens.files import atomic_path  # noqa: E402
from propaganda_lens.scoring import harmonic_mean  # noqa: E402

FOLDS = 5
STEPS = 400
STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # L2 penalty, per article pair count
CLASS_WEIGHTS = (1.0, 3.0)  # of the supports and opposes pairs against the none pairs
THRESHOLDS = tuple(round(0.2 + 0.05 * step, 2) for step in range(15))
MODES = ("fill", "union")
AGGREGATES = ("max", "noisy-or")  # how a pair's sentences add up (relation_model.best_per_pair)


@dataclass
class Article:
    """One tuning article as the head sees it, with its gold and rule relations in the scorer's terms."""

    name: str
    pairs: list[Pair]
    labels: numpy.ndarray  # index into POLARITIES per pair
    trained: numpy.ndarray  # per pair: learned from (a related pair only in the sentence its relation's quote is in)
    matched: dict[str, str]  # found actor id -> gold actor name
    gold: set[tuple[str, str, str]]
    rules: list[tuple[str, str, str]]  # (source id, polarity, target id)


def articles(annotations: Path, ptc: Path) -> list[Article]:
    from propaganda_lens.actors.relations import lexical_polarity

    found = []
    for record in score_structure.article_records(annotations):
        article = score_structure.parsed_article(record, ptc)
        matched, rules = article.matched, article.relations
        pairs = list(sentence_pairs(article.doc, article.actor_of_token, article.persons, rules, lexical_polarity))
        gold = {(r["source"], r["polarity"], r["target"]) for r in record["relations"]}
        labels = numpy.array([
            next((index for index, polarity in enumerate(POLARITIES) if index and
                  (matched.get(pair.source), polarity, matched.get(pair.target)) in gold), 0)
            for pair in pairs
        ], dtype=numpy.int64)
        stated_in = quote_sentences(record, article)
        trained = numpy.ones(len(pairs), dtype=bool)
        for index, (pair, label) in enumerate(zip(pairs, labels)):
            relation = (matched.get(pair.source), POLARITIES[label], matched.get(pair.target))
            trained[index] = label == 0 or pair.sentence in stated_in.get(relation, {pair.sentence})
        found.append(Article(record["article"], pairs, labels, trained, matched, gold,
                             [(r.source, r.polarity, r.target) for r in rules]))
    return found


def fit(pairs: list[Pair], labels: numpy.ndarray, strength: float, class_weight: float) -> numpy.ndarray:
    """Multinomial logistic regression by Nesterov's accelerated gradient descent from zero (deterministic):
    weighted mean cross-entropy plus strength/len(labels) times half the squared weights. The binary feature
    rows are kept sparse (bucket indices per pair), the weights as BUCKETS x 3."""
    rows = numpy.repeat(numpy.arange(len(pairs)), [len(pair.features) for pair in pairs])
    columns = numpy.array([bucket(feature) for pair in pairs for feature in pair.features], dtype=numpy.int64)
    weights = numpy.zeros((BUCKETS, len(POLARITIES)), dtype=numpy.float64)
    momentum = numpy.zeros_like(weights)
    sample_weight = numpy.where(labels > 0, class_weight, 1.0)
    sample_weight /= sample_weight.sum()
    onehot = numpy.eye(len(POLARITIES))[labels]
    penalty = strength / len(labels)
    step = 1.0 / (0.25 * max(len(pair.features) for pair in pairs) + penalty)  # 1 / a bound of the curvature
    for _ in range(STEPS):
        ahead = weights + 0.9 * momentum
        scores = numpy.zeros((len(pairs), len(POLARITIES)))
        numpy.add.at(scores, rows, ahead[columns])
        scores -= scores.max(axis=1, keepdims=True)
        probability = numpy.exp(scores)
        probability /= probability.sum(axis=1, keepdims=True)
        residual = (probability - onehot) * sample_weight[:, None]
        gradient = numpy.stack(
            [numpy.bincount(columns, residual[rows, k], minlength=BUCKETS) for k in range(len(POLARITIES))], axis=1
        ) + penalty * ahead
        momentum = 0.9 * momentum - step * gradient
        weights = weights + momentum
    return weights.astype(numpy.float32)


def quote_sentences(record: dict, article: score_structure.ParsedArticle) -> dict[tuple[str, str, str], set[int]]:
    """(source, polarity, target) of each gold relation with a quote -> the indices of the sentences its quotes are
    in."""
    starts = [start for start, _ in article.sentences]
    stated: dict[tuple[str, str, str], set[int]] = {}
    for relation in record["relations"]:
        quote = relation.get("quote")
        offset = article.text.find(quote) if quote else -1
        if offset >= 0:
            key = (relation["source"], relation["polarity"], relation["target"])
            stated.setdefault(key, set()).add(bisect_right(starts, offset) - 1)
    return stated


def stacked(chosen: list[Article]) -> tuple[list[Pair], numpy.ndarray]:
    """The pairs learned from, and their labels."""
    pairs = [pair for article in chosen for pair, trained in zip(article.pairs, article.trained) if trained]
    return pairs, numpy.concatenate([article.labels[article.trained] for article in chosen])


def counts_with(article, learned: list[tuple[str, str, str]], mode: str) -> tuple[int, int, int]:
    """(found, gold, right) of the rules plus `learned` (source, polarity, target) relations, joined as
    relation_model.combined joins them in `mode`, as the scorer counts them; `article` has `matched`, `rules` and
    `gold` (an Article of this tool or of tools/fit_relation_encoder.py)."""
    key = lambda source, polarity, target: (article.matched.get(source, source), polarity, article.matched.get(target, target))  # noqa: E731
    related = {frozenset((source, target)) for source, _, target in article.rules}
    found = set() if mode == "alone" else {key(*relation) for relation in article.rules}
    for source, polarity, target in learned:
        if mode != "fill" or frozenset((source, target)) not in related:
            found.add(key(source, polarity, target))
    return len(found), len(article.gold), len(found & article.gold)


def relation_counts(article: Article, best, threshold: float, mode: str) -> tuple[int, int, int]:
    """`counts_with` the head's relations over `threshold`."""
    learned = [(source, polarity, target) for (source, target), (polarity, score, _) in best.items() if score >= threshold]
    return counts_with(article, learned, mode)


def f1_of(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    found, gold, right = (sum(column) for column in zip(*counts))
    precision, recall = right / found if found else 0.0, right / gold if gold else 0.0
    return precision, recall, harmonic_mean(precision, recall)


def cross_validate(data: list[Article]) -> list[tuple[tuple[float, float, float], dict]]:
    """(P, R, F1) of each knob setting over the leave-articles-out folds, best F1 first."""
    folds = [data[index::FOLDS] for index in range(FOLDS)]
    held_out_best: dict[tuple[float, float, str], list] = {}
    for strength, class_weight in product(STRENGTHS, CLASS_WEIGHTS):
        for index, fold in enumerate(folds):
            training = [article for other, part in enumerate(folds) if other != index for article in part]
            weights = fit(*stacked(training), strength, class_weight)
            for article, aggregate in product(fold, AGGREGATES):
                best = best_per_pair(article.pairs, probabilities(article.pairs, weights), aggregate)
                held_out_best.setdefault((strength, class_weight, aggregate), []).append((article, best))
    results = []
    for (strength, class_weight, aggregate), bests in held_out_best.items():
        for threshold, mode in product(THRESHOLDS, MODES):
            scores = f1_of([relation_counts(article, best, threshold, mode) for article, best in bests])
            results.append((scores, {"strength": strength, "class_weight": class_weight, "aggregate": aggregate,
                                     "threshold": threshold, "mode": mode}))
    return sorted(results, key=lambda result: -result[0][2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=Path, default=score_structure.ANNOTATIONS)
    parser.add_argument("--ptc", type=Path, default=score_structure.PTC)
    parser.add_argument("--output", type=Path, default=HEAD)
    parser.add_argument("--dry-run", action="store_true", help="Cross-validate and print, write nothing.")
    arguments = parser.parse_args()
    if score_structure.is_locked(arguments.annotations):
        sys.exit("error: the locked set is never fitted on")
    data = articles(arguments.annotations, arguments.ptc)
    rules_only = f1_of([relation_counts(article, {}, 1.0, "fill") for article in data])
    print(f"{len(data)} articles, {sum(len(a.pairs) for a in data)} pairs, "
          f"{sum(int((a.labels > 0).sum()) for a in data)} labelled relations, {sum(len(a.gold) for a in data)} gold")
    precision, recall, f1 = rules_only
    print(f"rules alone: P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
    results = cross_validate(data)
    for (precision, recall, f1), knobs in results[:8]:
        print(f"cross-validated P {precision:.3f} R {recall:.3f} F1 {f1:.3f}  {knobs}")
    knobs = results[0][1]
    if arguments.dry_run:
        return
    weights = fit(*stacked(data), knobs["strength"], knobs["class_weight"])
    with atomic_path(arguments.output) as temporary, temporary.open("wb") as handle:
        numpy.savez_compressed(handle, weights=weights.astype(numpy.float16), threshold=numpy.float32(knobs["threshold"]),
                               mode=numpy.str_(knobs["mode"]), aggregate=numpy.str_(knobs["aggregate"]),
                               strength=numpy.float32(knobs["strength"]),
                               class_weight=numpy.float32(knobs["class_weight"]))
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    sys.exit(main())
