"""Does `adapt` help? A simulated reviewer corrects the model's spans on PTC dev articles, the model is adapted
on k reviewed articles, and it is scored on other dev articles against the unadapted model.

Dev articles are split with a fixed seed into a pool of 40 review articles and the rest (35) for evaluation.
On each pool article the reviewer, who knows the dev gold:
- accepts a found span that overlaps a gold span of its technique;
- relabels one that overlaps no gold span of its technique but matches a gold span of another technique
  closely (character overlap / union >= 0.5), to that technique;
- rejects the others: those that overlap no gold span, and those that overlap gold spans of other
  techniques only loosely (a reviewer cannot redraw a span: it is rejected, and the gold span added);
- adds each gold span that no accepted or relabelled span overlaps.
So every found span of a reviewed article gets a decision, as the span map's fit needs.
The reviewed articles are those of the pool's first k, so each curve point reviews more of the same articles.
Measured on the evaluation articles: TC micro-F1 (technique of the gold spans, as scoring.score_tc), span
precision (the share of found spans that overlap a gold span of their technique), the span probability's
ECE, and, for the technique a reviewer relabelled most often, its span precision and what the model says
for gold spans that carry it; then TC per technique before and after. The test articles are never read.
One BLAS thread (OPENBLAS_NUM_THREADS=1): on a busy shared machine numpy's threads slow the fits down.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/adapt_curve.py --ptc ../shared/data/ptc-semeval2020 --model fast \
        -o /tmp/adapt-curve
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from propaganda_lens.data import Correction, Span, text_sha256
from propaganda_lens.detect.detector import Detector, model_version
from propaganda_lens.ingest.ptc import clip_to_articles, read_articles, read_labels
from propaganda_lens.review.adapt import ReviewedArticle, adapt, default_cache_folder
from propaganda_lens.review.corrections import ArticleCorrections
from propaganda_lens.scoring import expected_calibration_error, matches_gold, score_tc

POOL = 40
SEED = 26
CLOSE = 0.5  # overlap / union of two spans' characters for a relabel
CURVE = (0, 5, 10, 20, 40)


def jaccard(a: Span, b: Span) -> float:
    common = min(a.end, b.end) - max(a.start, b.start)
    return max(common, 0) / (max(a.end, b.end) - min(a.start, b.start))


def simulated_review(found: list[Span], gold: list[Span]) -> list[Correction]:
    """The simulated reviewer's corrections of the found spans of one article (see the module's docstring)."""
    corrections, kept = [], []
    for span in found:
        overlapping = [g for g in gold if g.start < span.end and span.start < g.end]
        closest = max(overlapping, key=lambda g: jaccard(span, g), default=None)
        if matches_gold(span, gold):
            corrections.append(Correction("accept", span.start, span.end, span.technique, span.technique, "simulated"))
            kept.append(span)
        elif closest is not None and jaccard(span, closest) >= CLOSE:
            corrections.append(Correction("relabel", span.start, span.end, closest.technique, span.technique, "simulated"))
            kept.append(span)
        else:
            corrections.append(Correction("reject", span.start, span.end, span.technique, span.technique, "simulated"))
    for g in gold:
        if not any(span.start < g.end and g.start < span.end for span in kept):
            corrections.append(Correction("add", g.start, g.end, g.technique, None, "simulated"))
    return corrections


def measures(detector: Detector, states: dict, gold: dict[str, list[Span]], watched: str) -> dict:
    """TC, span precision and ECE on the evaluation articles, and the watched technique's figures."""
    labelled = {a: detector.label_spans(state, gold[a]) for a, state in states.items()}
    found = {a: detector.spans_from(state) for a, state in states.items()}
    pairs = [(span, matches_gold(span, gold[a])) for a, spans in found.items() for span in spans]
    of_watched = [right for span, right in pairs if span.technique == watched]
    given = Counter(predicted.technique for a in states for g, predicted in zip(gold[a], labelled[a])
                    if g.technique == watched)
    tc = score_tc(gold, labelled)
    return {
        "tc_f1": tc.f1,
        "tc_per_technique": {t: {"precision": score.precision, "recall": score.recall, "f1": score.f1}
                             for t, score in tc.per_technique.items()},
        "spans": len(pairs),
        "span_precision": sum(right for _, right in pairs) / max(len(pairs), 1),
        "span_ece": expected_calibration_error([span.probability for span, _ in pairs], [right for _, right in pairs]),
        "watched": {"technique": watched, "found": len(of_watched),
                    "span_precision": sum(of_watched) / max(len(of_watched), 1),
                    "tc_precision": tc.per_technique[watched].precision, "tc_recall": tc.per_technique[watched].recall,
                    "gold_spans_labelled_as": dict(given.most_common(4))},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ptc", type=Path, required=True)
    parser.add_argument("--model", default="fast")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for the adapted models and curve.json")
    parser.add_argument("--points", type=int, nargs="*", default=list(CURVE))
    arguments = parser.parse_args()
    articles = {a.id: a for a in read_articles(arguments.ptc / "dev-articles")}
    gold = clip_to_articles(read_labels(arguments.ptc / "dev-labels-task-flc-tc"), articles)
    ids = sorted(articles)
    random.Random(SEED).shuffle(ids)
    pool, evaluation = ids[:POOL], ids[POOL:]
    base = Detector.from_disk(arguments.model)
    version = model_version(arguments.model)
    started = time.monotonic()
    states = {a: base.run(articles[a].text) for a in ids}
    print(f"encoded {len(ids)} dev articles in {time.monotonic() - started:.0f} s", file=sys.stderr)
    reviews = [ReviewedArticle(ArticleCorrections(a, text_sha256(articles[a].text),
                                                  simulated_review(base.spans_from(states[a]), gold.get(a, [])), version),
                               articles[a].text) for a in pool]
    relabelled = Counter(c.model_technique for r in reviews for c in r.corrections.corrections if c.action == "relabel")
    watched = relabelled.most_common(1)[0][0]
    evaluated = {a: states[a] for a in evaluation}
    eval_gold = {a: gold.get(a, []) for a in evaluation}
    arguments.output.mkdir(parents=True, exist_ok=True)
    curve = []
    for k in arguments.points:
        reviewed = [r for r in reviews[:k] if r.corrections.corrections]
        point = {"reviewed_articles": k,
                 "corrections": dict(Counter(c.action for r in reviewed for c in r.corrections.corrections))}
        if k == 0:
            detector = base
        else:
            target = Path(tempfile.mkdtemp(dir=arguments.output, prefix=f"k{k}-"))
            started = time.monotonic()
            summary = adapt(reviewed, arguments.ptc, target, arguments.model, default_cache_folder(),
                            states={a: states[a] for a in pool})
            point.update(adapt_seconds=round(time.monotonic() - started, 1), review_weight=summary["review_weight"],
                         model=summary["version"])
            detector = Detector.from_disk(target)
        point.update(measures(detector, evaluated, eval_gold, watched))
        curve.append(point)
        print(json.dumps(point), file=sys.stderr)
    pairs = Counter(f"{c.model_technique} -> {c.technique}" for r in reviews for c in r.corrections.corrections
                    if c.action == "relabel")
    result = {"model": version, "relabelled": pairs.most_common(), "seed": SEED, "pool": pool, "evaluation": evaluation,
              "most_relabelled_from": relabelled.most_common(3), "curve": curve}
    (arguments.output / "curve.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"| reviewed articles | TC F1 | span precision | span ECE | {watched}: span precision (found) | "
          "review weight | adapt s |")
    print("|---|---|---|---|---|---|---|")
    for point in curve:
        w = point["watched"]
        print(f"| {point['reviewed_articles']} | {point['tc_f1']:.4f} | {point['span_precision']:.4f} | "
              f"{point['span_ece']:.4f} | {w['span_precision']:.3f} ({w['found']}) | {point.get('review_weight', '-')} | "
              f"{point.get('adapt_seconds', '-')} |")

    first, last = curve[0], curve[-1]
    print(f"\nTC per technique on the evaluation articles, {first['reviewed_articles']} vs {last['reviewed_articles']} "
          "reviewed articles (precision / recall):")
    print("| technique | before | after |")
    print("|---|---|---|")
    for technique, before in first["tc_per_technique"].items():
        after = last["tc_per_technique"][technique]
        if before != after:
            print(f"| {technique} | {before['precision']:.3f} / {before['recall']:.3f} | "
                  f"{after['precision']:.3f} / {after['recall']:.3f} |")
    print("\nrelabels by the simulated reviewer on the pool (model -> reviewer): "
          + ", ".join(f"{pair} {count}" for pair, count in pairs.most_common(5)))


if __name__ == "__main__":
    main()

