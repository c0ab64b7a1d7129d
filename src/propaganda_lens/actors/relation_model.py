"""Relations the rules miss: a logistic-regression head over the pairs of actors named in one sentence.

Each ordered pair of actors (source, target) named in a sentence is described by cheap lexical and syntactic
features (the words between the two mentions, the words on the dependency path between them, their roles,
CAMEO verb polarities, whether the rules found a relation there), hashed into `BUCKETS` buckets. A
multinomial logistic regression (none / supports / opposes), fitted on the tuning set by
`tools/fit_relation_model.py`, scores each pair in each sentence; an article's pair gets the best of these
scores, or their noisy-or (`best_per_pair`: the fit chooses), and a relation is found where that passes the head's
threshold. The head is `relation_model.npz`
(weights, threshold and how it combines with the rules; made by `python tools/fit_relation_model.py` from
evaluation/structure/annotations.jsonl, figures in evaluation/structure/README.md); numpy only at inference.
The product uses it (`actors.add_actors` passes `relation_head()` to `relations.find_relations`): on the five locked
sets (75 articles) it raises relation F1 from 0.200 to 0.295 (+0.096 [+0.053, +0.139]), recall from 0.12 to 0.25,
and lowers precision from 0.58 to 0.36, for about 10-20 ms an article.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import numpy

from propaganda_lens.data import Relation

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

HEAD = Path(__file__).resolve().parent / "relation_model.npz"
POLARITIES = ("none", "supports", "opposes")
BUCKETS = 2**15
MAX_ACTORS_PER_SENTENCE = 12  # pairs per sentence stay bounded, so the stage stays linear in the text
MAX_MENTIONS = 4  # mentions of one actor in a sentence tried when looking for the closest pair
MAX_BETWEEN = 24  # words between two mentions read as features
MAX_PATH = 12  # words climbed from a mention toward the other on the dependency tree
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "agent"})
OBJECT_DEPS = frozenset({"dobj", "pobj", "dative", "attr", "appos"})


@dataclass(frozen=True)
class Pair:
    """An ordered pair of actors named in one sentence, with the features that describe it there."""

    source: str
    target: str
    sentence: int  # index of the sentence in the doc
    anchor: int  # the token where the two mentions' dependency paths meet
    features: tuple[str, ...]


def mention_ranges(sentence: "Span", actor_of_token: dict[int, str]) -> dict[str, list[tuple[int, int]]]:
    """Each actor named in the sentence -> its mentions there as [start, end) token ranges (first actors first,
    at most MAX_ACTORS_PER_SENTENCE, at most MAX_MENTIONS each)."""
    mentions: dict[str, list[tuple[int, int]]] = {}
    open_mention = None  # the actor whose mention the previous token was part of (and was kept)
    for token in sentence:
        actor = actor_of_token.get(token.i)
        if actor is not None and actor == open_mention:
            start, _ = mentions[actor][-1]
            mentions[actor][-1] = (start, token.i + 1)
            continue
        open_mention = None
        if actor is not None and (actor in mentions or len(mentions) < MAX_ACTORS_PER_SENTENCE):
            if len(mentions.setdefault(actor, [])) < MAX_MENTIONS:
                mentions[actor].append((token.i, token.i + 1))
                open_mention = actor
    return mentions


def _path_up(token: "Token") -> list["Token"]:
    return [token, *islice(token.ancestors, MAX_PATH)]


def meeting_point(first: "Token", second: "Token") -> tuple["Token", list["Token"], list["Token"]]:
    """Where the dependency paths from two words meet, and the words on each path below it."""
    up_first, up_second = _path_up(first), _path_up(second)
    on_second = {token.i: index for index, token in enumerate(up_second)}
    for index, token in enumerate(up_first):
        if token.i in on_second:
            return token, up_first[:index], up_second[: on_second[token.i]]
    root = up_first[-1]
    return root, up_first, up_second


def _role(token: "Token") -> str:
    if token.dep_ in SUBJECT_DEPS:
        return "subj"
    if token.dep_ in OBJECT_DEPS:
        return "obj"
    return token.dep_


def pair_features(
    sentence: "Span", source: "Token", target: "Token", rule_polarity: dict[tuple[str, str], str], source_id: str,
    target_id: str, persons: set[str], polarity_of: Callable[[str], str | None],
) -> tuple["Token", tuple[str, ...]]:
    """The meeting word of two mentions' paths and the features of the pair (source mention, target mention)."""
    doc = source.doc
    order = "st" if source.i < target.i else "ts"
    first, second = sorted((source, target), key=lambda token: token.i)
    features = ["bias", f"order:{order}", f"kinds:{source_id in persons}-{target_id in persons}"]
    distance = second.i - first.i
    features.append(f"dist:{min(distance.bit_length(), 6)}")
    between = doc[first.i + 1 : min(second.i, first.i + 1 + MAX_BETWEEN)]
    for token in between:
        lemma = token.lemma_.lower()
        features += [f"btw:{lemma}", f"btw:{order}:{lemma}"]
        polarity = polarity_of(lemma) if token.pos_ in ("VERB", "NOUN") else None
        if polarity:
            features.append(f"btwpol:{order}:{polarity}")
    for offset, name in ((-1, "before"), (-2, "before2")):
        index = first.i + offset
        if index >= sentence.start:
            features.append(f"{name}:{doc[index].lemma_.lower()}")
    if second.i + 1 < sentence.end:
        features.append(f"after:{doc[second.i + 1].lemma_.lower()}")
    for side, token in (("s", source), ("t", target)):
        features += [f"parent{side}:{token.head.lemma_.lower()}", f"dep{side}:{token.dep_}"]
        if token.i >= sentence.start + 2 and doc[token.i - 1].text == "-":  # "anti-Trump", "pro-Israel"
            features.append(f"prefix{side}:{doc[token.i - 2].lower_}")
    meeting, source_path, target_path = meeting_point(source, target)
    meeting_lemma = meeting.lemma_.lower()
    source_role = _role(source_path[-1]) if source_path else "meet"
    target_role = _role(target_path[-1]) if target_path else "meet"
    features += [f"meet:{meeting_lemma}", f"roles:{source_role}-{target_role}", f"meet:{meeting_lemma}:{source_role}-{target_role}",
                 f"pathlen:{min(len(source_path) + len(target_path), 8)}"]
    polarity = polarity_of(meeting_lemma)
    if polarity:
        features += [f"meetpol:{polarity}", f"meetpol:{polarity}:{source_role}-{target_role}"]
    for side, path in (("s", source_path), ("t", target_path)):
        for token in path[1:]:
            lemma = token.lemma_.lower()
            features += [f"path:{lemma}", f"path{side}:{lemma}"]
            polarity = polarity_of(lemma)
            if polarity:
                features.append(f"pathpol:{side}:{polarity}")
    for name, key in (("rule", (source_id, target_id)), ("rulerev", (target_id, source_id))):
        if key in rule_polarity:
            features.append(f"{name}:{rule_polarity[key]}")
    return meeting, tuple(features)


def sentence_pairs(
    doc: "Doc", actor_of_token: dict[int, str], persons: set[str], rules: list[Relation],
    polarity_of: Callable[[str], str | None],
) -> Iterator[Pair]:
    """Every ordered pair of distinct actors named in a sentence, with its features (the closest two mentions)."""
    rules_in: dict[int, dict[tuple[str, str], str]] = {}
    starts = {sentence.start_char: index for index, sentence in enumerate(doc.sents)}
    for relation in rules:
        if relation.evidence[0] in starts:
            rules_in.setdefault(starts[relation.evidence[0]], {})[relation.source, relation.target] = relation.polarity
    for index, sentence in enumerate(doc.sents):
        heads = {actor: [doc[end - 1] for _, end in ranges] for actor, ranges in mention_ranges(sentence, actor_of_token).items()}
        for source_id, source_heads in heads.items():
            for target_id, target_heads in heads.items():
                if source_id == target_id:
                    continue
                source, target = min(
                    ((s, t) for s in source_heads for t in target_heads), key=lambda pair: abs(pair[0].i - pair[1].i)
                )
                meeting, features = pair_features(
                    sentence, source, target, rules_in.get(index, {}), source_id, target_id, persons, polarity_of
                )
                yield Pair(source_id, target_id, index, meeting.i, features)


def bucket(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) % BUCKETS


def probabilities(pairs: list[Pair], weights: numpy.ndarray) -> numpy.ndarray:
    """Softmax over POLARITIES of each pair's score: the sum of the weights (`weights`: BUCKETS x 3) of its
    features' buckets, as tools/fit_relation_model.py fits them."""
    if not pairs:
        return numpy.zeros((0, len(POLARITIES)), dtype=weights.dtype)
    scores = numpy.stack([weights[[bucket(feature) for feature in pair.features]].sum(axis=0) for pair in pairs])
    scores -= scores.max(axis=1, keepdims=True)
    exponentials = numpy.exp(scores)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def best_per_pair(
    pairs: list[Pair], probability: numpy.ndarray, aggregate: str,
) -> dict[tuple[str, str], tuple[str, float, Pair]]:
    """(source, target) -> (polarity, score, the pair in the sentence where that polarity is most probable). The
    score of a polarity over the article's sentences is its highest probability ("max"), or the chance that at
    least one sentence states it, reading each sentence as independent evidence ("noisy-or": 1 - prod(1 - p)).
    The polarity is the relation class with the higher score."""
    sentences_of: dict[tuple[str, str], list[int]] = {}
    for index, pair in enumerate(pairs):
        sentences_of.setdefault((pair.source, pair.target), []).append(index)
    best: dict[tuple[str, str], tuple[str, float, Pair]] = {}
    for key, indices in sentences_of.items():
        rows = probability[indices, 1:]
        scores = rows.max(axis=0) if aggregate == "max" else 1.0 - numpy.prod(1.0 - rows, axis=0)
        polarity = int(numpy.argmax(scores))
        strongest = indices[int(numpy.argmax(rows[:, polarity]))]
        best[key] = (POLARITIES[1 + polarity], float(scores[polarity]), pairs[strongest])
    return best


def combined(rules: list[Relation], learned: list[Relation], mode: str) -> list[Relation]:
    """The rules' relations and the learned ones: all of them ("union"), the learned ones only for pairs of
    actors the rules relate in neither direction ("fill"), or the learned ones alone ("alone")."""
    if mode == "alone":
        return learned
    related = {frozenset((relation.source, relation.target)) for relation in rules}
    ruled = {(relation.source, relation.polarity, relation.target) for relation in rules}
    extra = [
        relation for relation in learned
        if (relation.source, relation.polarity, relation.target) not in ruled
        and (mode == "union" or frozenset((relation.source, relation.target)) not in related)
    ]
    return rules + extra


@dataclass(frozen=True)
class RelationHead:
    """The fitted head: weights (BUCKETS x 3), the score a pair needs, how a pair's sentences add up to its score
    (see `best_per_pair`), and how the head joins the rules."""

    weights: numpy.ndarray
    threshold: float
    mode: str
    aggregate: str

    def relations(
        self, doc: "Doc", actor_of_token: dict[int, str], persons: set[str], rules: list[Relation],
        polarity_of: Callable[[str], str | None], modality_of: Callable[["Token"], str],
    ) -> list[Relation]:
        """The rules' relations with the head's own added (see `combined`)."""
        pairs = list(sentence_pairs(doc, actor_of_token, persons, rules, polarity_of))
        if not pairs:
            return rules
        best = best_per_pair(pairs, probabilities(pairs, self.weights), self.aggregate)
        sentences = list(doc.sents)
        learned = []
        for (source, target), (polarity, score, pair) in best.items():
            if score < self.threshold:
                continue
            anchor = doc[pair.anchor]
            trigger = ((anchor.idx, anchor.idx + len(anchor.text)),)
            learned.append(Relation(source, target, polarity, modality_of(anchor), sentence_range(sentences[pair.sentence]),
                                    trigger))
        return combined(rules, learned, self.mode)


def sentence_range(sentence: "Span") -> tuple[int, int]:
    """A relation's evidence: the characters of its sentence, without the whitespace after it. From the
    tokens, not `Doc.text`, which joins every token of the document each time it is read."""
    doc, end = sentence.doc, sentence.end
    while end > sentence.start and doc[end - 1].is_space:
        end -= 1
    if end == sentence.start:
        return sentence.start_char, sentence.start_char
    last = doc[end - 1]
    return sentence.start_char, last.idx + len(last.text)


def load_head(path: Path) -> RelationHead:
    """A head stored by tools/fit_relation_model.py."""
    with numpy.load(path) as stored:
        return RelationHead(stored["weights"].astype(numpy.float32), float(stored["threshold"]), str(stored["mode"]),
                            str(stored["aggregate"]))


@cache
def relation_head() -> RelationHead | None:
    """The shipped head, or None where none is shipped (the rules alone)."""
    return load_head(HEAD) if HEAD.exists() else None
