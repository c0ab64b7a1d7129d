"""Score actors, relations and predictions against the hand-annotated PTC articles (see
evaluation/structure/GUIDELINES.md).

    python tools/score_structure.py [--annotations evaluation/structure/annotations.jsonl] [--ptc ../shared/data/ptc-semeval2020]
    python tools/score_structure.py --annotations evaluation/structure/locked.jsonl    # a locked set (locked*.jsonl):
        scored only, --errors is refused
    python tools/score_structure.py --part A|B    # one half of the articles (by the SHA-256 of the article id):
        rules are written on the errors of part A; part B is scored without reading its errors
    python tools/score_structure.py --rules-only    # relations by the rules alone (the product adds the shipped head)
    python tools/score_structure.py --relation-head PATH    # relations with the rules and another head: one fitted
        by tools/fit_relation_model.py, or a relation encoder's folder (tools/fit_relation_encoder.py)
    python tools/score_structure.py [--relation-head PATH] --against-rules    # and the difference to the rules alone

Micro-averaged over the articles:
- actors: a found actor is right when its name or one of its mentions is the gold actor's name or alias
  (case-folded, without a leading "the" or a trailing 's), one found actor per gold actor; kind accuracy on
  the matched ones;
- relations: (source, polarity, target) with both actors matched; modality accuracy on the right ones;
- predictions: sentences; a gold prediction is the sentence holding its quote.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy

from propaganda_lens.scoring import harmonic_mean

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "evaluation" / "structure" / "annotations.jsonl"  # the tuning set: rules are fitted on it
LOCKED = ROOT / "evaluation" / "structure" / "locked.jsonl"  # scored, never looked into
LOCKED_BATCH3 = ROOT / "evaluation" / "structure" / "locked-batch3.jsonl"  # the same, locked before annotation
LOCKED_BATCH4 = ROOT / "evaluation" / "structure" / "locked-batch4.jsonl"  # the same, annotated by GUIDELINES.md v3
LOCKED_BATCH5 = ROOT / "evaluation" / "structure" / "locked-batch5.jsonl"  # the same
LOCKED_BATCH6 = ROOT / "evaluation" / "structure" / "locked-batch6.jsonl"  # the same
LOCKED_SETS = (LOCKED, LOCKED_BATCH3, LOCKED_BATCH4, LOCKED_BATCH5, LOCKED_BATCH6)
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
PARTS = ("actors", "relations", "predictions")


def is_locked(annotations: Path) -> bool:
    """Whether `annotations` holds an article of a locked set (never read for errors, never fitted on): a locked
    file itself, a copy of one under another name, or a file that pools one with others."""
    locked = {record["article"] for path in LOCKED_SETS for record in article_records(path)}
    return any(record["article"] in locked for record in article_records(annotations))


def normal(name: str) -> str:
    name = name.casefold().strip().replace("’", "'")
    name = name.removeprefix("the ").removesuffix("'s")
    return " ".join(name.split())


@dataclass
class Tally:
    found: int = 0
    gold: int = 0
    right: int = 0
    agreeing: int = 0  # of the right ones: same kind (actors) or modality (relations)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    per_article: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # (found, gold, right)

    def row(self) -> dict[str, float]:
        precision = self.right / self.found if self.found else 0.0
        recall = self.right / self.gold if self.gold else 0.0
        return {"found": self.found, "gold": self.gold, "right": self.right, "precision": precision,
                "recall": recall, "f1": harmonic_mean(precision, recall), "agreement": self.agreeing / self.right if self.right else 0.0}


def article_part(article: str) -> str:
    """ "A" or "B": the half of the annotated articles an article falls in, by the SHA-256 of its id (stable)."""
    return "AB"[int(hashlib.sha256(article.encode("utf-8")).hexdigest(), 16) % 2]


def article_records(annotations: Path, part: str | None = None) -> list[dict]:
    """The annotated articles of a file, all of them or those of one part."""
    records = [json.loads(line) for line in annotations.read_text(encoding="utf-8").splitlines()]
    return [record for record in records if part is None or article_part(record["article"]) == part]


def article_text(ptc: Path, record: dict) -> str:
    return (ptc / f"{record['split']}-articles" / f"{record['article']}.txt").read_text(encoding="utf-8")


def annotated_forms(record: dict) -> dict[str, set[str]]:
    """Each annotated actor's name -> its name and aliases, normalized."""
    return {actor["name"]: {normal(n) for n in [actor["name"], *actor.get("aliases", [])]} for actor in record["actors"]}


def matched_actors(found: dict[str, set[str]], gold: dict[str, set[str]]) -> dict[str, str]:
    """found key -> gold name: a found actor matches the first gold actor not yet matched that shares a form."""
    matched: dict[str, str] = {}
    for key, forms in found.items():
        name = next((name for name, names in gold.items() if forms & names and name not in matched.values()), None)
        if name is not None:
            matched[key] = name
    return matched


@dataclass
class ParsedArticle:
    """An annotated article as the actors stage reads it, with its found actors matched to the gold ones."""

    text: str
    sentences: list[tuple[int, int]]  # [start, end) of each sentence
    doc: Any
    actors: list  # data.Actor
    actor_of_token: dict[int, str]
    persons: set[str]  # ids of the found persons
    matched: dict[str, str]  # found actor id -> gold name
    relations: list  # data.Relation, by the rules and `head`


def parsed_article(record: dict, ptc: Path, head=None) -> ParsedArticle:
    """Parse an annotated article, find its actors and relations (the rules', and `head`'s where given) and match
    the actors to the gold ones."""
    from propaganda_lens.actors.mentions import find_actors
    from propaganda_lens.actors.relations import find_relations
    from propaganda_lens.enrich.parsing import parse
    from propaganda_lens.enrich.sentences import sentence_ranges

    text = article_text(ptc, record)
    sentences = sentence_ranges(text)
    doc = parse(text, sentences)
    actors, actor_of_token = find_actors(doc)
    matched = matched_actors(
        {actor.id: {normal(actor.name), *(normal(text[a:b]) for a, b in actor.mentions)} for actor in actors},
        annotated_forms(record),
    )
    persons = {actor.id for actor in actors if actor.kind == "person"}
    relations = find_relations(doc, actor_of_token, persons, head)
    return ParsedArticle(text, sentences, doc, actors, actor_of_token, persons, matched, relations)


def sentence_at(sentences: list[tuple[int, int]], offset: int) -> int:
    return next(index for index, (start, end) in enumerate(sentences) if start <= offset < end)


def prediction_sentences(record: dict, text: str, sentences: list[tuple[int, int]]) -> set[int]:
    """The sentences holding the record's prediction quotes."""
    found = set()
    for quote in record["predictions"]:
        offset = text.find(quote)
        if offset < 0:
            raise ValueError(f"{record['article']}: quote not in the text: {quote!r}")
        found.add(sentence_at(sentences, offset))
    return found


def score(
    annotations: Path, ptc: Path, relation_head: Path | None = None, part: str | None = None, rules_only: bool = False,
    against_rules: bool = False,
) -> dict[str, Tally]:
    """The tallies of each part (PARTS); relations as the product finds them (the rules and the shipped relation
    head), by the rules alone, or by the rules and the head or relation encoder stored at `relation_head`; of all
    articles, or of one `part` ("A" or "B", see `article_part`). `against_rules`: also "rules", the relations of
    the rules alone, from the same parses."""
    from propaganda_lens.actors.relation_encoder import RelationEncoder
    from propaganda_lens.actors.relation_model import load_head, relation_head as relation_head_of_product
    from propaganda_lens.actors.relations import find_relations
    from propaganda_lens.claims.statements import prediction_hedge

    head = None if rules_only else relation_head_of_product()
    if relation_head is not None:
        head = RelationEncoder.load(relation_head) if relation_head.is_dir() else load_head(relation_head)
    tallies = {name: Tally() for name in (*PARTS, "rules") if name != "rules" or against_rules}
    for record in article_records(annotations, part):
        article = parsed_article(record, ptc, head)
        text, sentences, doc, actors, matched = article.text, article.sentences, article.doc, article.actors, article.matched
        gold_names = annotated_forms(record)
        gold_kind = {gold["name"]: gold["kind"] for gold in record["actors"]}
        tally = tallies["actors"]
        tally.found += len(actors)
        tally.gold += len(gold_names)
        tally.right += len(matched)
        tally.agreeing += sum(gold_kind[gold] == next(a.kind for a in actors if a.id == found) for found, gold in matched.items())
        tally.misses += [f"{record['article']}: {name}" for name in gold_names if name not in matched.values()]
        tally.false_alarms += [f"{record['article']}: {a.name}" for a in actors if a.id not in matched]

        add_relations(tallies["relations"], record, matched, article.relations)
        if against_rules:
            add_relations(tallies["rules"], record, matched, find_relations(doc, article.actor_of_token, article.persons))

        gold_sentences = prediction_sentences(record, text, sentences)
        found_sentences = {
            sentence_at(sentences, sentence.start_char) for sentence in doc.sents if prediction_hedge(sentence) is not None
        }
        tally = tallies["predictions"]
        tally.found += len(found_sentences)
        tally.gold += len(gold_sentences)
        tally.right += len(found_sentences & gold_sentences)
        tally.agreeing += len(found_sentences & gold_sentences)
        tally.misses += [f"{record['article']}: {text[slice(*sentences[i])][:80]}" for i in gold_sentences - found_sentences]
        tally.false_alarms += [f"{record['article']}: {text[slice(*sentences[i])][:80]}" for i in found_sentences - gold_sentences]
    return tallies


def add_relations(tally: Tally, record: dict, matched: dict[str, str], relations: list) -> None:
    """Count an article's found relations (data.Relation, actor ids mapped to gold names by `matched`)."""
    gold_relations = {(r["source"], r["polarity"], r["target"]): r["modality"] for r in record["relations"]}
    found_relations = {}
    for relation in relations:
        key = (matched.get(relation.source, relation.source), relation.polarity, matched.get(relation.target, relation.target))
        found_relations.setdefault(key, relation.modality)
    tally.found += len(found_relations)
    tally.gold += len(gold_relations)
    right = found_relations.keys() & gold_relations.keys()
    tally.per_article[record["article"]] = (len(found_relations), len(gold_relations), len(right))
    tally.right += len(right)
    tally.agreeing += sum(found_relations[key] == gold_relations[key] for key in right)
    tally.misses += [f"{record['article']}: {key}" for key in gold_relations.keys() - right]
    tally.false_alarms += [f"{record['article']}: {key}" for key in found_relations.keys() - right]


def relations_f1(tally: Tally, sample: list[str]) -> float:
    """Micro F1 of the relations of `sample`, an article list that may repeat articles."""
    found, gold, right = (sum(tally.per_article[article][column] for article in sample) for column in range(3))
    return harmonic_mean(right / found if found else 0.0, right / gold if gold else 0.0)


def print_difference(rules: Tally, with_head: Tally) -> None:
    from propaganda_lens.scoring import paired_bootstrap

    articles = sorted(rules.per_article)
    difference = relations_f1(with_head, articles) - relations_f1(rules, articles)
    low, high = numpy.percentile(
        paired_bootstrap(lambda sample: relations_f1(with_head, sample) - relations_f1(rules, sample), articles, 1000),
        [2.5, 97.5],
    )
    print(f"relations F1 against the rules alone: {relations_f1(rules, articles):.3f} -> {relations_f1(with_head, articles):.3f}, "
          f"{difference:+.3f} [{low:+.3f}, {high:+.3f}] (95% paired bootstrap over {len(articles)} articles)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--ptc", type=Path, default=PTC)
    parser.add_argument("--errors", action="store_true", help="List the misses and false alarms too.")
    parser.add_argument("--relation-head", type=Path,
                        help="Relations with this head instead of the shipped one: a .npz logistic head "
                             "(tools/fit_relation_model.py) or a relation encoder folder (tools/fit_relation_encoder.py).")
    parser.add_argument("--rules-only", action="store_true", help="Relations by the rules alone, without the head.")
    parser.add_argument("--against-rules", action="store_true",
                        help="The relation F1 difference to the rules alone, with a paired "
                             "bootstrap over the articles (1,000 resamples).")
    parser.add_argument("--part", choices=("A", "B"), help="Only the articles of one half (by the SHA-256 of the id).")
    arguments = parser.parse_args()
    if arguments.errors and is_locked(arguments.annotations):
        sys.exit("error: a locked set's errors are never read")
    against_rules = arguments.against_rules and not arguments.rules_only
    tallies = score(arguments.annotations, arguments.ptc, arguments.relation_head, arguments.part, arguments.rules_only,
                    against_rules)
    articles = len(article_records(arguments.annotations, arguments.part))
    print(f"{articles} annotated articles" + (f" (part {arguments.part})" if arguments.part else ""))
    print(f"{'part':<12}{'found':>7}{'gold':>7}{'right':>7}{'P':>8}{'R':>8}{'F1':>8}  agreement on the right ones")
    for part in PARTS:
        row = tallies[part].row()
        what = {"actors": "kind", "relations": "modality", "predictions": "-"}[part]
        print(f"{part:<12}{row['found']:>7}{row['gold']:>7}{row['right']:>7}{row['precision']:>8.3f}{row['recall']:>8.3f}"
              f"{row['f1']:>8.3f}  {what} {row['agreement']:.3f}")
    if against_rules:
        print_difference(tallies["rules"], tallies["relations"])
    if arguments.errors:
        for part in PARTS:
            tally = tallies[part]
            print(f"\n{part}: missed", *tally.misses, sep="\n  ")
            print(f"{part}: false alarms", *tally.false_alarms, sep="\n  ")


if __name__ == "__main__":
    sys.exit(main())
