"""Would averaging detectors beat the first of them alone? Each member and their average, on articles no shipped
model trained on (issue 22, item 2).

    python tools/ensemble_detectors.py accurate fast                  # the 32 held-out train articles
    python tools/ensemble_detectors.py accurate fast --weights 0.75 0.25
    python tools/ensemble_detectors.py accurate fast --dev            # PTC dev (the shipped models' epochs and
                                                                      # decodings were chosen there)

The ensemble averages the members' word-level tag probabilities, moved onto the first member's tokens by
character offsets (as distillation does, so different tokenizers work), decodes them with the first member's
decoding, and averages the members' technique distributions for each span. It prints each member's and the
ensemble's SI F1 and TC F1, then a paired bootstrap over articles of the ensemble minus the first member.
Nothing is fitted here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from propaganda_lens.data import Span
from propaganda_lens.detect.detector import Detector, labelled_by_rank
from propaganda_lens.detect.encoding import aligned_tag_probabilities, decode_spans
from propaganda_lens.scoring import paired_bootstrap
from propaganda_lens.train.examples import Split, load_split, split_off

from compare_detectors import PTC, print_differences, scores


def mean_techniques(members: list[Detector], states: list, weights: list[float], ranges: list[tuple[int, int]]):
    """The weighted mean of the members' technique distributions for character ranges of one text."""
    return sum(weight * member.technique_probabilities(state, ranges)
               for member, state, weight in zip(members, states, weights))


def ensemble_article(members: list[Detector], weights: list[float], text: str, gold: list[Span]):
    """(spans found, gold spans labelled) by the ensemble, and the same for each member, for one text."""
    states = [member.run(text) for member in members]
    first = states[0]
    found, labelled = [], []
    for member, state in zip(members, states):
        found.append(member.spans_from(state))
        labelled.append(member.label_spans(state, gold))
    tags = sum(weight * aligned_tag_probabilities(first.encoded, state.encoded, state.tag_probabilities)
               for state, weight in zip(states, weights))
    decoded = decode_spans(text, first.encoded, tags, members[0].config.decoding) if len(first.encoded) else []
    ranges = [(start, end) for start, end, _ in decoded]
    techniques = members[0].config.techniques
    spans = [Span(start, end, techniques[int(row.argmax())], probability * float(row.max()))
             for (start, end, probability), row in zip(decoded, mean_techniques(members, states, weights, ranges))]
    unique = sorted({(span.start, span.end) for span in gold})
    by_range = dict(zip(unique, mean_techniques(members, states, weights, unique))) if unique else {}
    return [spans, *found], [labelled_by_rank(gold, by_range, techniques), *labelled]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="+", help="shipped model names or model folders; the first one decodes")
    parser.add_argument("--weights", type=float, nargs="+", help="one per member (default: equal), summing to 1")
    parser.add_argument("--dev", action="store_true", help="score PTC dev instead of the held-out train articles")
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--resamples", type=int, default=1000)
    options = parser.parse_args()
    if len(options.members) < 2:
        parser.error("an ensemble needs at least two members")
    weights = options.weights or [1 / len(options.members)] * len(options.members)
    if len(weights) != len(options.members) or abs(sum(weights) - 1) > 1e-6:
        parser.error("give one weight per member, summing to 1")
    split: Split = load_split(options.ptc, "dev") if options.dev else split_off(load_split(options.ptc, "train"), 0.1)[1]
    members = [Detector.from_disk(member) for member in options.members]
    names = ["ensemble", *options.members]
    found: list[dict] = [{} for _ in names]
    labelled: list[dict] = [{} for _ in names]
    articles = sorted(split.articles)
    for article in articles:
        spans, labels = ensemble_article(members, weights, split.articles[article].text, split.techniques[article])
        for column in range(len(names)):
            found[column][article], labelled[column][article] = spans[column], labels[column]
    where = "PTC dev" if options.dev else "held-out train"
    for column, name in enumerate(names):
        si, tc = scores(split, found[column], labelled[column], articles)
        print(f"{name}: {len(articles)} {where} articles, SI F1 {si:.4f}, TC F1 {tc:.4f}")
    differences = paired_bootstrap(lambda sample: np.subtract(scores(split, found[0], labelled[0], sample),
                                                              scores(split, found[1], labelled[1], sample)),
                                   articles, options.resamples)
    print_differences(differences, "ensemble", options.members[0])


if __name__ == "__main__":
    main()
