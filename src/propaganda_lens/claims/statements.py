"""Predictions and attribution, read from spaCy's parse of a sentence.

A prediction is a statement about the future: a verb with will / shall / 'll or going to, or a word of
likelihood or fate before an infinitive or noun ("likely to", "expected to", "doomed to failure"), or a
modal of possibility (could, may, might) with a plain verb. Its hedge is that word. Questions and
if-clauses are not predictions. A statement's source is the subject of a reporting verb over it ("Haftar
declared that …", "…, she said") or the object of "according to"; otherwise the author speaks ("the writer
believes" too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan, Token

FUTURE_AUXILIARIES = frozenset({"will", "shall", "'ll", "’ll"})
POSSIBILITY_MODALS = frozenset({"could", "may", "might"})
LIKELIHOOD_WORDS = frozenset(
    {"likely", "unlikely", "expected", "set", "bound", "doomed", "destined", "poised", "certain", "sure", "about"}
)
LIKELIHOOD_ADVERBS = frozenset({"likely", "probably", "certainly", "surely", "inevitably"})
REPORTING_LEMMAS = frozenset(
    "say tell claim report allege believe argue insist suggest state announce warn think assert write note add "
    "explain declare predict promise vow threaten estimate forecast expect reveal confirm deny admit".split()
)
AUTHOR_WORDS = frozenset({"writer", "author", "i", "we"})
SPEAKER_PRONOUNS = frozenset({"he", "she"})  # "…," he said: the claims stage finds who
MAX_SOURCE_TOKENS = 10


def prediction_hedge(sentence: "SpacySpan") -> "Token | None":
    """The word that makes `sentence` a prediction (its hedge), or None when it is not one."""
    if sentence.text.rstrip().endswith("?"):
        return None
    for token in sentence:
        if _in_condition(token) or _in_past(token):
            continue
        lower = token.lower_
        if token.dep_ == "aux" and token.head.pos_ in ("VERB", "AUX") and (
            lower in FUTURE_AUXILIARIES or lower == "wo" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "n't"
        ):
            return token
        if lower == "going" and token.i + 2 < len(token.doc) and token.nbor(1).lower_ == "to" and token.nbor(2).tag_ == "VB":
            return token
        if lower in LIKELIHOOD_WORDS and token.pos_ in ("ADJ", "VERB") and _followed_by_to(token):
            return token
        if lower in LIKELIHOOD_ADVERBS and token.pos_ == "ADV" and token.head.tag_ in ("VB", "VBZ", "VBP"):
            return token
        if token.dep_ == "aux" and lower in POSSIBILITY_MODALS and token.head.pos_ in ("VERB", "AUX") and not _permission(token):
            return token
    return None


def _in_past(token: "Token") -> bool:
    """ "was about to", "wasn't going to": a past tense verb or auxiliary governs the word."""
    head = token.head if token.dep_ in ("acomp", "aux", "xcomp") or token.pos_ == "VERB" else token
    return any(child.tag_ == "VBD" and child.dep_ in ("aux", "auxpass") for child in (*head.children, *token.children)) or (
        head.tag_ == "VBD" and head is not token
    )


def _permission(modal: "Token") -> bool:
    """ "You may opt out": a modal with "you" as subject grants or asks leave."""
    return any(child.dep_ == "nsubj" and child.lower_ == "you" for child in modal.head.children)


def _followed_by_to(token: "Token") -> bool:
    return token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "to"


def _in_condition(token: "Token") -> bool:
    return any(
        child.dep_ == "mark" and child.lower_ in ("if", "unless")
        for ancestor in (token, *token.ancestors)
        if ancestor.pos_ in ("VERB", "AUX")
        for child in ancestor.children
    )


def statement_source(sentence: "SpacySpan") -> tuple[int, int] | None:
    """The character range naming who makes the sentence's statement, None for the author."""
    for token in sentence:
        if token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "to":
            objects = [child for child in token.nbor(1).children if child.dep_ == "pobj"]
            if objects:
                return _noun_phrase(objects[0])
    for token in sentence:
        if token.pos_ == "VERB" and token.lemma_.lower() in REPORTING_LEMMAS:
            if not any(child.dep_ in ("ccomp", "dobj", "xcomp") or child.text in ("“", '"') for child in token.children):
                continue
            subjects = [child for child in token.children if child.dep_ == "nsubj"]
            if subjects and subjects[0].lower_ not in AUTHOR_WORDS and (
                subjects[0].pos_ != "PRON" or subjects[0].lower_ in SPEAKER_PRONOUNS
            ):
                return _noun_phrase(subjects[0])
    return None


def _noun_phrase(head: "Token") -> tuple[int, int]:
    """The subject's words without relative clauses, at most MAX_SOURCE_TOKENS."""
    tokens = [head, *[t for child in head.children if child.dep_ in ("det", "compound", "amod", "poss", "nmod") for t in child.subtree]]
    first = min(token.i for token in tokens)
    last = min(max(token.i for token in tokens), first + MAX_SOURCE_TOKENS - 1)
    doc = head.doc
    return doc[first].idx, doc[last].idx + len(doc[last].text)
