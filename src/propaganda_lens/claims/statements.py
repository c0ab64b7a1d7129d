"""Predictions and attribution, read from spaCy's parse of a sentence.

A prediction is a statement about the future: a verb with will / shall / 'll or going to (gonna), a stated
intention ("threatens to", "vowed to", "plans to"), a word of likelihood, fate or schedule before an infinitive or
noun ("likely to", "expected to", "doomed to failure", "scheduled to"), or a modal of possibility (could, may,
might) with a plain verb, not a perfect ("may have won"), a progressive ("may be telling the truth"), a verb of
seeming or believing ("may seem"), a negated "could" nor a "could" under a past verb ("said he could provide"),
and "will" whose verb is left out ("But they will."). Its hedge is that word. Questions, indirect ones ("whether
he will") included, and if-clauses are not predictions. A statement's source is the subject of a reporting verb
over it ("Haftar declared that …", "…, she said") or the object of "according to"; otherwise the author speaks
("the writer believes" too).
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from propaganda_lens.claims.roles import is_question
from propaganda_lens.enrich.parsing import dependents

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan, Token

CONTRACTED_FUTURES = frozenset({"'ll", "’ll"})
FUTURE_AUXILIARIES = frozenset({"will", "shall"}) | CONTRACTED_FUTURES
POSSIBILITY_MODALS = frozenset({"could", "may", "might"})
LIKELIHOOD_WORDS = frozenset(
    {"likely", "unlikely", "expected", "set", "bound", "doomed", "destined", "poised", "certain", "sure", "about",
     "scheduled", "slated"}
)
# Before "to" and a verb: a prediction. By form, as headlines' capitals make the tagger miss the lemma ("Trump
# Threatens To Send").
INTENTION_WORDS = frozenset(
    "threaten threatens threatened threatening vow vows vowed vowing plan plans planned planning intend intends "
    "intended intending pledge pledges pledged pledging".split()
)
PAST_PLANS = frozenset({"planned", "intended"})  # a plan held, not a threat or a vow made: past, like "was about to"
NEGATIONS = frozenset({"not", "n't", "n’t"})
FUTURE_ADVERBS = frozenset({"soon", "eventually", "someday", "shortly", "later", "tomorrow", "next"})
LIKELIHOOD_ADVERBS = frozenset({"likely", "probably", "certainly", "surely", "inevitably"})
# Verbs of seeming, knowing and believing: a possibility modal before one weighs the present ("it may seem
# innocent", "she may very well believe", "perceptions may differ").
STATIVE_LEMMAS = frozenset(
    "seem appear look sound differ believe know think mean feel understand realize remember recall".split()
)
REPORTING_LEMMAS = frozenset(
    "say tell claim report allege believe argue insist suggest state announce warn think assert write note add "
    "explain declare predict promise vow threaten estimate forecast expect reveal confirm deny admit".split()
)
AUTHOR_WORDS = frozenset({"writer", "author", "i", "we"})
SPEAKER_PRONOUNS = frozenset({"he", "she"})  # "…," he said: the claims stage finds who
MAX_SOURCE_TOKENS = 10
MAX_AUXILIARIES = 8  # a verb's dependents read for its auxiliaries and adverbs
MAX_CLAUSE_DEPTH = 12  # clauses above a word that can make it conditional (bounded: linear time on any parse)


def prediction_hedge(sentence: "SpacySpan") -> "Token | None":
    """The word that makes `sentence` a prediction (its hedge), or None when it is not one."""
    if is_question(sentence.text):
        return None
    # Read once per sentence, so that each word's checks take constant time whatever the parse's shape.
    # Under "if"/"unless", and indirect questions ("whether Trump will push …").
    conditional_heads = {t.head.i for t in sentence if t.dep_ == "mark" and t.lower_ in ("if", "unless", "whether")}
    past_heads = {t.head.i for t in sentence if t.tag_ == "VBD" and t.dep_ in ("aux", "auxpass")}
    addressed = {t.head.i for t in sentence if t.dep_ == "nsubj" and t.lower_ == "you"}
    children_of = dependents(sentence, MAX_AUXILIARIES)
    for token in sentence:
        hedge = _hedge_word(token, addressed, children_of)
        if hedge and not _in_condition(token, conditional_heads) and not _in_past(token, past_heads):
            return token
    return None


def _hedge_word(token: "Token", addressed: set[int], children_of: dict[int, list["Token"]]) -> bool:
    """Whether the word, by itself and its neighbours, marks a statement about the future."""
    lower, doc = token.lower_, token.doc
    following = token.nbor(1).lower_ if token.i + 1 < len(doc) else ""
    if lower in CONTRACTED_FUTURES or lower == "wo" and following in NEGATIONS:
        return True  # never a noun; the parser may take it for the verb ("you’ll like Pompeo", a headline's "Won't")
    if lower in FUTURE_AUXILIARIES and token.tag_ == "MD" and any(
        child.dep_ == "nsubj" for child in children_of.get(token.i, [])
    ):
        return True  # the verb left out: "But they will."
    if token.dep_ == "aux" and token.head.pos_ in ("VERB", "AUX"):
        if lower in FUTURE_AUXILIARIES:
            return True
        # "You may opt out": a modal with "you" as subject grants or asks leave; "may have won", "could not
        # see" speak of the past.
        verb_children = children_of.get(token.head.i, [])
        return (lower in POSSIBILITY_MODALS and token.head.i not in addressed
                and not _past_possibility(token, following, verb_children)
                and not _present_possibility(token, verb_children) and not _reported_in_past(token))
    if lower == "gon":
        return following == "na"
    if lower == "going" or lower in INTENTION_WORDS:
        verb = token.i + 2
        if verb < len(doc) and doc[verb].is_quote:  # vows to “fight …”
            verb += 1
        return verb < len(doc) and following == "to" and doc[verb].tag_ == "VB"
    # Not "likely to have been raised" (the past), nor "an index set to 100" (a number, not an event).
    if lower in LIKELIHOOD_WORDS and token.pos_ in ("ADJ", "VERB"):
        after = doc[token.i + 2] if token.i + 2 < len(doc) else None
        return following == "to" and not (after is not None and (after.lower_ == "have" or after.like_num))
    return (lower in LIKELIHOOD_ADVERBS and token.pos_ == "ADV" and token.head.tag_ == "VB"
            and not any(child.lower_ == "would" for child in children_of.get(token.head.i, [])))


def _past_possibility(modal: "Token", following: str, verb_children: list["Token"]) -> bool:
    """ "may have secured", "could possibly have been", "could not destroy": a modal of possibility before a
    perfect, or a negated "could" (an ability that failed)."""
    perfect = modal.head.tag_ == "VBN" and any(child.dep_ == "aux" and child.lower_ == "have" for child in verb_children)
    return perfect or modal.lower_ == "could" and following in NEGATIONS


def _present_possibility(modal: "Token", verb_children: list["Token"]) -> bool:
    """ "they may be telling the truth", "they may still be searching", "it may seem": a modal of possibility before a
    verb in the progressive or a verb of state (STATIVE_LEMMAS) speaks of the present, unless a word of time puts
    it ahead ("may soon be staring")."""
    present = modal.head.tag_ == "VBG" or modal.head.lemma_ in STATIVE_LEMMAS
    return present and not any(child.lower_ in FUTURE_ADVERBS for child in verb_children)


def _reported_in_past(modal: "Token") -> bool:
    """ "Barr said that he could provide", "bought equipment so he could hand it over": "could" in a clause that a
    past tense verb reports or governs is that verb's time (sequence of tenses). Not "might", which keeps its
    future ("Bolton suggested North Korea might follow")."""
    clause = modal.head
    return modal.lower_ == "could" and clause.dep_ in ("ccomp", "advcl") and clause.head.tag_ == "VBD"


def _in_past(token: "Token", past_heads: set[int]) -> bool:
    """ "was about to", "wasn't going to": a past tense verb or auxiliary governs the word; not for a stated
    intention ("threatened to send troops" is still ahead), but a past plan is past ("We planned to pay our
    respects", "a project intended to foster")."""
    if token.lower_ in PAST_PLANS:
        return True
    if token.lower_ in INTENTION_WORDS:
        return False
    head = token.head if token.dep_ in ("acomp", "aux", "xcomp") or token.pos_ == "VERB" else token
    return head.i in past_heads or token.i in past_heads or (head.tag_ == "VBD" and head is not token)


def _in_condition(token: "Token", conditional_heads: set[int]) -> bool:
    """Inside an if- or unless-clause (within MAX_CLAUSE_DEPTH clauses)."""
    return any(ancestor.i in conditional_heads for ancestor in (token, *islice(token.ancestors, MAX_CLAUSE_DEPTH)))


def statement_source(sentence: "SpacySpan") -> tuple[int, int] | None:
    """The character range naming who makes the sentence's statement, None for the author."""
    children_of = dependents(sentence)
    for token in sentence:
        if token.lower_ == "according" and token.i + 1 < sentence.end and token.nbor(1).lower_ == "to":
            objects = [child for child in children_of.get(token.i + 1, []) if child.dep_ == "pobj"]
            if objects:
                return _noun_phrase(objects[0], children_of)
    for token in sentence:
        if token.pos_ == "VERB" and token.lemma_.lower() in REPORTING_LEMMAS:
            children = children_of.get(token.i, [])
            if not any(child.dep_ in ("ccomp", "dobj", "xcomp") or child.text in ("“", '"') for child in children):
                continue
            if any(child.dep_ == "neg" for child in children):
                continue  # "Schiff never expected that …": the author's statement about Schiff, not Schiff's
            subjects = [child for child in children if child.dep_ == "nsubj"]
            if subjects and subjects[0].lower_ not in AUTHOR_WORDS and (
                subjects[0].pos_ != "PRON" or subjects[0].lower_ in SPEAKER_PRONOUNS
            ):
                return _noun_phrase(subjects[0], children_of)
    return None


def _noun_phrase(head: "Token", children_of: dict[int, list["Token"]]) -> tuple[int, int]:
    """The subject's words without relative clauses, at most MAX_SOURCE_TOKENS."""
    modifiers = [child for child in children_of.get(head.i, []) if child.dep_ in ("det", "compound", "amod", "poss", "nmod")]
    first = min([head.i, *(child.left_edge.i for child in modifiers)])
    last = min(max([head.i, *(child.right_edge.i for child in modifiers)]), first + MAX_SOURCE_TOKENS - 1)
    doc = head.doc
    return doc[first].idx, doc[last].idx + len(doc[last].text)
