"""What the clause-break and whole-name boundary rules change in a detector's scores.

    python benchmarks/edge_rules.py [--models accurate fast] [--ptc ../shared/data/ptc-semeval2020]

First, on PTC train gold: of the clause breaks (`boundaries.CLAUSE_BREAK`) that a gold span touches, how many
it crosses and how many it stops or starts at. Then, per model, on PTC dev (75 articles, where the models'
epochs and decodings were chosen) and on the 32 train articles no shipped model trained on (`holdout.txt`):
how many clause breaks the predicted spans cross without the rules, and SI F1, FLC F1, spans (and how many of
them neither rule gives), spans with a function word at an edge and the median span length at the model's
own decoding with neither rule, each rule alone and both (the shipped default). TC F1 is printed once: it
labels gold spans, which no boundary rule touches. Nothing is fitted here, but the clause-break pattern was
chosen among a few variants (all conjunctions, before a pronoun or determiner only, with and without the
semicolon, colon or dash) by these figures on dev and the held-out articles.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace
from pathlib import Path

PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptc-semeval2020"
RULES = {"neither rule": (False, False), "clause cuts": (True, False), "whole names": (False, True), "both": (True, True)}


def clause_breaks_touched(texts: dict, spans_by_article: dict) -> tuple[int, int]:
    """(crossed, bordered): clause breaks inside a span, and clause breaks that no span crosses but one ends
    at (`traitors|, and`, `traitors,|`) or starts just after (`, and |the` or `, and the |corrupt`)."""
    from propaganda_lens.detect.boundaries import CLAUSE_BREAK

    crossed = bordered = 0
    for article_id, text in texts.items():
        spans = spans_by_article.get(article_id, [])
        ends, starts = {span.end for span in spans}, {span.start for span in spans}
        for match in CLAUSE_BREAK.finditer(text):
            if any(span.start < match.start() and span.end > match.end() for span in spans):
                crossed += 1
            elif ends & {match.start(), match.start() + 1} or starts & set(range(match.end(), match.end() + 7)):
                bordered += 1
    return crossed, bordered


def function_word_edge(text: str, span) -> bool:
    from propaganda_lens.detect.boundaries import FUNCTION_WORDS, first_word, last_word

    return any(text[start:end].lower() in FUNCTION_WORDS
               for start, end in (first_word(text, span.start, span.end), last_word(text, span.start, span.end)))


def scores(model: str, name: str, split) -> None:
    from propaganda_lens.data import Span
    from propaganda_lens.detect.detector import Detector
    from propaganda_lens.detect.encoding import decode_spans
    from propaganda_lens.scoring import score_flc, score_si, score_tc
    from propaganda_lens.train.evaluation import encode_split

    detector = Detector.from_disk(model)
    own = detector.config.decoding
    located = {rule: {} for rule in RULES}
    found = {rule: {} for rule in RULES}
    labelled = {}
    for article_id, state in sorted(encode_split(detector, split).items()):
        labelled[article_id] = detector.label_spans(state, split.techniques[article_id])
        for rule, (cut_clauses, keep_names) in RULES.items():
            decoding = replace(own, cut_clauses=cut_clauses, keep_names=keep_names)
            located[rule][article_id] = [Span(start, end) for start, end, _ in
                                         decode_spans(state.text, state.encoded, state.tag_probabilities, decoding)]
            found[rule][article_id] = detector.spans_from(state, decoding)
    texts = {article_id: article.text for article_id, article in split.articles.items()}
    crossed, bordered = clause_breaks_touched(texts, located["neither rule"])
    print(f"{model}, {name} ({len(split.articles)} articles): TC F1 {score_tc(split.techniques, labelled).f1:.4f}; "
          f"predicted spans without the rules cross {crossed} clause breaks and border {bordered}", flush=True)
    unruled = {(article_id, span) for article_id, spans in located["neither rule"].items() for span in spans}
    for rule in RULES:
        spans = [(article_id, span) for article_id, spans in located[rule].items() for span in spans]
        edges = sum(function_word_edge(texts[article_id], span) for article_id, span in spans)
        median = statistics.median(span.end - span.start for _, span in spans) if spans else 0
        si = score_si(split.si, located[rule])
        print(f"  {rule:13} SI F1 {si.f1:.4f} (P {si.precision:.4f} R {si.recall:.4f})  "
              f"FLC F1 {score_flc(split.techniques, found[rule]).f1:.4f}  {len(spans):4} spans "
              f"({len(set(spans) - unruled)} new), {edges} with a function-word edge, median {median:g} characters",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["accurate", "fast"])
    parser.add_argument("--ptc", type=Path, default=PTC)
    options = parser.parse_args()
    from propaganda_lens.train.examples import load_split, split_off

    train = load_split(options.ptc, "train")
    texts = {article_id: article.text for article_id, article in train.articles.items()}
    crossed, bordered = clause_breaks_touched(texts, train.si)
    print(f"PTC train gold ({len(texts)} articles): of the clause breaks a gold span touches, {crossed} are "
          f"crossed and {bordered} bordered ({crossed / max(1, crossed + bordered):.0%} crossed)", flush=True)
    splits = {"dev": load_split(options.ptc, "dev"), "held-out train": split_off(train, 0.1)[1]}
    for model in options.models:
        for name, split in splits.items():
            scores(model, name, split)


if __name__ == "__main__":
    main()
