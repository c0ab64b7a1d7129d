"""Who the article says supports or opposes whom: rules over spaCy's dependency parse.

Each rule starts at a trigger word and finds the two sides among its syntactic arguments:
- a verb: "Russia backs Haftar" (subject -> object), "X is supported by Y" (agent -> passive subject),
  "who are supported by Turkey" (a relative pronoun stands for the noun it follows), "fights against X";
- a backer noun: "his foreign backers – headed by Russia" (the backers -> the possessor), "Haftar's allies,
  such as Egypt", "Russia, Haftar's main backer";
- a support noun with a giver: "gets support from Egypt", "accept help from Israel" (the giver -> whoever
  gets it), "Russia's support for Haftar";
- an opposition noun: "a war against X" (whoever wages it -> X).
An argument is an actor when its noun phrase names one ("the UK government", "Egypt and the UAE", "players,
namely Egypt"); "his"/"her" stands for the person named last. The modality comes from the clause around the
trigger: negated (not, no, never), conditional (if, unless, would), predicted (will, going to), reported (a
reporting verb above it, "according to", "reportedly"), else asserted.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from collections import deque
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from propaganda_lens.actors.agents import is_state_agent
from propaganda_lens.actors.name_words import PARTY_ADJECTIVES, SIDE_PREFIXES
from propaganda_lens.actors.relation_model import RelationHead, sentence_range
from propaganda_lens.data import Relation
from propaganda_lens.enrich.parsing import dependents

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

SUPPORT_VERBS = frozenset(
    "back support arm fund finance bankroll sponsor aid assist help endorse defend protect equip supply champion "
    "reinforce shield prop ally side praise abet collaborate cooperate pardon embrace court woo love adore idolize "
    "idolise revere".split()
)
OPPOSE_VERBS = frozenset(
    "fight attack oppose bomb strike target condemn sanction battle combat besiege invade resist confront denounce "
    "threaten vanquish defeat crush topple overthrow kill accuse criticize criticise blame betray undermine shell raid "
    "oust eliminate eradicate block sue prevent obstruct lash hate despise loathe bash blast slam trash excoriate "
    "decry demonize demonise vilify smear mock insult defame libel antagonize antagonise impeach harass".split()
)
# CAMEO's verb dictionary (cameo_verbs.tsv, built by tools/build_cameo_verbs.py): the verbs of the verb sets
# whose meaning is the guidelines' support or opposition between two actors. Left out: statements, appeals,
# meetings, investigations and demands (not relations by the guidelines), and sets whose bare verbs mostly take
# things rather than actors as objects or mix both polarities (GRANT: give, provide; OVERSEE_MANAGE: head;
# DISRUPT: send; HURT: harm but also protect; APPREHEND: take; CONFINE: hold).
CAMEO_VERBS = Path(__file__).resolve().parent / "cameo_verbs.tsv"
RELATION_VERB_SETS = frozenset(
    "SUPPORT COLLABORATE CONSPIRE ACCLAIM LAUD FINANCE AID "
    "VERBAL_CONFLICT DENOUNCE DENIGRATE DEPLORE BLAME REBUFF SAVAGE JEER UNDERMINE BETRAY SUE PROSECUTE SUPPRESS "
    "PROHIBIT THREATEN PHYSICAL_CONFLICT DESTROY INVADE KILL ASSASSINATE MASSACRE BESIEGE AMBUSH RAID SHELL "
    "TARGET".split()
)
BACKER_NOUNS = {"backer": "supports", "supporter": "supports", "ally": "supports", "sponsor": "supports",
                "patron": "supports", "benefactor": "supports", "defender": "supports", "champion": "supports",
                "admirer": "supports", "partner": "supports", "collaborator": "supports", "accomplice": "supports",
                "apologist": "supports", "cheerleader": "supports", "loyalist": "supports", "mouthpiece": "supports",
                "stooge": "supports", "lackey": "supports", "henchman": "supports", "booster": "supports",
                "enemy": "opposes", "foe": "opposes", "opponent": "opposes",
                "adversary": "opposes", "rival": "opposes", "critic": "opposes", "detractor": "opposes",
                "nemesis": "opposes", "archenemy": "opposes", "antagonist": "opposes", "accuser": "opposes"}
# Nouns for the backed side: "Hezbollah, Iran's proxy" (the possessor -> the proxy).
PROXY_NOUNS = frozenset({"proxy", "proxies", "puppet", "protégé", "protege"})
# "acted in concert with Iran", "in league with", "in collusion with": the subject -> whoever it acts with.
PARTNERSHIP_NOUNS = frozenset({"concert", "league", "collusion", "cahoots", "cooperation", "coordination", "tandem",
                               "alliance", "partnership"})
GIFT_NOUNS = frozenset(
    "support backing aid help assistance funding funds money arms weapons protection praise endorsement pardon "
    "pardons clemency sympathy solidarity loyalty allegiance".split()
)
FELLOWSHIP_NOUNS = frozenset({"sympathy", "solidarity"})  # gift nouns whose receiver may follow "with"
# Adjectives of a side taken, with the preposition of the side: "allied with Iran", "critical of the regime",
# "loyal to Haftar" (whoever the adjective describes -> the side).
ATTITUDE_ADJECTIVES = {"allied": ("supports", {"with", "to"}), "loyal": ("supports", {"to"}),
                       "sympathetic": ("supports", {"to", "toward", "towards"}), "supportive": ("supports", {"of"}),
                       "critical": ("opposes", {"of"}), "hostile": ("opposes", {"to", "toward", "towards"}),
                       "opposed": ("opposes", {"to"})}
HOSTILITY_NOUNS = frozenset(
    "war fight attack attacks campaign offensive strike strikes sanctions struggle lawsuit suit challenge challenges "
    "criticism operation operations smear smears allegation allegations accusation accusations complaint complaints "
    "crusade vendetta persecution rebuke condemnation".split()
)
# Hostility nouns whose target may follow "of": "their smear of Kavanaugh".
OF_HOSTILITY_NOUNS = frozenset({"smear", "smears", "persecution", "vilification", "demonization", "rebuke",
                                "condemnation"})
# Any verb with "against" and an actor opposes it ("voted against Kavanaugh", "ruled against the administration"),
# but for these, whose "against" object is a danger, not a side.
NOT_AGAINST_VERBS = frozenset({"warn", "protect", "guard", "insure", "hedge", "caution", "vaccinate", "immunize", "defend"})
# Verbs of taking a side whose "for" object is the side taken: "stumped for Greg Pence", "voted for Braun".
SIDE_VERBS = frozenset({"vote", "campaign", "stump", "rally", "advocate", "root", "fight", "speak", "testify", "lobby",
                        "cheer", "canvass", "stand", "argue"})
# "Pompeo's nomination", "the confirmation of Haspel": a thing of an actor's stands for the actor as an object.
OWNER_PREPOSITIONS = frozenset({"of"})
EXAMPLE_PREPOSITIONS = frozenset({"like", "including", "such"})
# "anti-Trump Democrats", "Trump's pro-Israel policies", "Bolton was pro-Israel": whoever holds the adjective
# supports or opposes the actor after the hyphen (name_words.SIDE_PREFIXES); with a stance noun, whoever has it
# ("pushes an anti-Israel agenda").
STANCE_NOUNS = frozenset(
    "agenda policy policies stance views view position positions rhetoric platform sentiment sentiments bias "
    "remarks comments line slant tirade".split()
)
# Nouns that stand for the actor named in front of them: "the UK government", "Russian forces".
STAND_IN_NOUNS = frozenset(
    "government administration regime forces army military troops ministry officials leadership state authorities "
    "people leaders leader president".split()
)  # and the state agents of the Phoenix dictionary (agents.is_state_agent: "diplomats", "police", "envoy")
# Words above a clause that make it someone's word or belief: verbs ("X said that"), nouns ("the claim that")
# and hedges ("it appears that").
REPORTING_WORDS = frozenset(
    "say tell claim report allege believe argue insist suggest state announce accuse warn think assert write "
    "note add explain determine conclude appear seem claim report statement allegation belief view "
    "accusation".split()
)
OPENING_QUOTES, CLOSING_QUOTES = "“«", "”»"
CONDITION_MARKS = frozenset({"if", "unless", "provided", "whether"})
FUTURE_WORDS = frozenset({"will", "shall", "'ll", "’ll"})
HYPOTHETICAL_WORDS = frozenset({"would", "could", "might", "may"})
SUBJECTS = ("nsubj", "nsubjpass", "csubj")
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
PERSONAL_POSSESSIVES = frozenset({"his", "her", "him", "he", "she"})
THING_PRONOUNS = frozenset({"it", "its"})  # a country or organization named before
# Bounds that keep every rule linear in the text, whatever its parse: clauses above a trigger that can change
# its modality, and tokens back to a pronoun's person.
MAX_CLAUSE_DEPTH = 12
MAX_PRONOUN_DISTANCE = 200
MAX_CHILDREN = 64  # of one word, read by a rule ("A, B, C … and Z" as 5,000 conjuncts of one word)
MAX_ARGUMENT_WORDS = 64  # read to find the actors an argument names


@cache
def cameo_polarities() -> dict[str, str]:
    """Verb lemma (a phrasal verb as "stir up") -> polarity, for the CAMEO verbs of RELATION_VERB_SETS whose
    sets all agree on the polarity."""
    polarities: dict[str, set[str]] = {}
    with CAMEO_VERBS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["verb_set"] in RELATION_VERB_SETS:
                polarities.setdefault(row["verb"], set()).add(row["polarity"])
    return {verb: found.pop() for verb, found in polarities.items() if len(found) == 1}


def verb_polarity(lemma: str, particles: list[str]) -> str | None:
    """The polarity of a verb from the hand lists, else from CAMEO (its phrasal form first: "stir up")."""
    if lemma in SUPPORT_VERBS:
        return "supports"
    if lemma in OPPOSE_VERBS:
        return "opposes"
    lexicon = cameo_polarities()
    for particle in particles:
        if f"{lemma} {particle}" in lexicon:
            return lexicon[f"{lemma} {particle}"]
    # spaCy's rules lemmatize a verb they do not know by cutting its ending: "lambasted" -> "lambast".
    return lexicon.get(lemma) or lexicon.get(lemma + "e")


def find_relations(
    doc: "Doc", actor_of_token: dict[int, str], person_ids: set[str], head: RelationHead | None = None,
) -> list[Relation]:
    """The supports/opposes relations stated in a parsed text whose tokens `actor_of_token` maps to actor ids:
    the rules', and with `head` (a relation_model.RelationHead, such as the shipped `relation_head()`) also the
    head's. The product passes the shipped head (see relation_model)."""
    finder = _Finder(doc, actor_of_token, person_ids)
    found: dict[tuple, Relation] = {}
    for token in doc:
        for relation in finder.relations_at(token):
            key = (relation.source, relation.target, relation.polarity, relation.evidence)
            found.setdefault(key, relation)
    rules = list(found.values())
    if head is None:
        return rules
    return head.relations(doc, actor_of_token, person_ids, rules, lexical_polarity, finder._modality)


def _stands_in(lemma: str) -> bool:
    """A noun that stands for the actor named in front of it ("the UK government", "Russian diplomats")."""
    return lemma in STAND_IN_NOUNS or is_state_agent(lemma)


def lexical_polarity(lemma: str) -> str | None:
    """`verb_polarity` of a word without particles (relation_model's features)."""
    return verb_polarity(lemma, [])


class _Finder:
    def __init__(self, doc: "Doc", actor_of_token: dict[int, str], person_ids: set[str]) -> None:
        self.doc = doc
        self.actor_of_token = actor_of_token
        self.person_ids = person_ids
        self._hearsay_of: dict[int, bool] = {}
        self._quotes_of: dict[int, tuple[list[int], list[bool]]] = {}
        # The sentence of each token (spaCy's Token.sent walks the text each time it is asked).
        self.sentence_of = [sentence for sentence in doc.sents for _ in sentence]
        self.text = doc.text  # Doc.text joins every token each time it is read
        self.dependents = dependents(doc, MAX_CHILDREN)

    def _children(self, token: "Token") -> list["Token"]:
        return self.dependents.get(token.i, [])

    def relations_at(self, token: "Token") -> list[Relation]:
        lemma = token.lemma_.lower()
        if token.lower_ in SIDE_PREFIXES and self._side_after(token) is not None:
            return self._side_prefix(token, SIDE_PREFIXES[token.lower_])
        if token.lower_ in ATTITUDE_ADJECTIVES and token.pos_ in ("ADJ", "VERB"):  # "opposed to" may be tagged VERB
            attitude = self._attitude(token, *ATTITUDE_ADJECTIVES[token.lower_])
            if attitude:
                return attitude
        if lemma in BACKER_NOUNS and self._names_around(token) is not None:  # "Trump ally Lindsey Graham"
            return self._backer_noun(token, BACKER_NOUNS[lemma])  # however parsed
        if token.pos_ == "VERB":
            particles = [child.lower_ for child in self._children(token) if child.dep_ == "prt"]
            polarity = verb_polarity(lemma, particles)
            if polarity is not None:
                return self._verb(token, polarity)
            return self._side_taken(token, lemma)
        if token.pos_ in ("NOUN", "PROPN"):
            if lemma in BACKER_NOUNS:
                return self._backer_noun(token, BACKER_NOUNS[lemma])
            if lemma in PROXY_NOUNS:
                return self._backer_noun(token, "supports", backed=True)
            if lemma in PARTNERSHIP_NOUNS and token.dep_ == "pobj" and token.head.lower_ == "in":
                return self._partnership(token)
            if lemma in GIFT_NOUNS:
                return self._gift_noun(token)
            if lemma in HOSTILITY_NOUNS:
                return self._hostility_noun(token)
        return []

    # -- the rules ---------------------------------------------------------------------------------------
    def _verb(self, verb: "Token", polarity: str) -> list[Relation]:
        if verb.dep_ == "amod" and verb.i >= 2 and self.doc[verb.i - 1].text == "-":
            return self._hyphened_verb(verb, polarity)
        passive = any(child.dep_ in ("nsubjpass", "auxpass") for child in self._children(verb)) or verb.tag_ == "VBN" and any(
            child.dep_ == "agent" for child in self._children(verb)
        )
        agents = [pobj for child in self._children(verb) if child.dep_ == "agent" for pobj in self._children(child) if pobj.dep_ == "pobj"]
        if passive or agents:
            targets = self._actors_of([c for c in self._children(verb) if c.dep_ == "nsubjpass"] or self._described_noun(verb))
            return self._pairs(self._actors_of(agents), targets, polarity, verb, [verb])
        objects = [child for child in self._children(verb) if child.dep_ in ("dobj", "dative")]
        objects += [p for p in self._objects_after(verb, {"against", "with", "behind", "at"}, as_tokens=True)]
        for particle in (child for child in self._children(verb) if child.dep_ == "prt"):  # "lashed out at Russia"
            objects += self._objects_after(particle, {"at", "against"}, as_tokens=True)
        trigger = [verb] + [child for child in self._children(verb) if child.dep_ == "prt"]
        return self._pairs(self._subjects(verb), self._actors_of(objects), polarity, verb, trigger)

    def _hyphened_verb(self, verb: "Token", polarity: str) -> list[Relation]:
        """ "Iran-backed Hezbollah" (the actor before the hyphen -> the noun described), "Israel-bashing
        Democrats" (the noun described -> the actor before the hyphen)."""
        before, described = self.doc[verb.i - 2], verb.head
        if before.head.i != verb.i or before.i not in self.actor_of_token or described.i not in self.actor_of_token:
            return []
        sides = [(self.actor_of_token[before.i], False)], [(self.actor_of_token[described.i], False)]
        sources, targets = sides[::-1] if verb.tag_ == "VBG" else sides
        return self._pairs(sources, targets, polarity, verb, [verb])

    def _side_taken(self, verb: "Token", lemma: str) -> list[Relation]:
        """ "voted against Kavanaugh" (any verb but NOT_AGAINST_VERBS), "stumped for Greg Pence" (SIDE_VERBS)."""
        against = self._objects_after(verb, {"against"}) if lemma not in NOT_AGAINST_VERBS else []
        sides = self._objects_after(verb, {"for"}) if lemma in SIDE_VERBS else []
        if not against and not sides:
            return []
        subjects = self._subjects(verb)
        return (self._pairs(subjects, against, "opposes", verb, [verb])
                + self._pairs(subjects, sides, "supports", verb, [verb]))

    def _attitude(self, adjective: "Token", polarity: str, prepositions: set[str]) -> list[Relation]:
        """ "Egypt is allied with Haftar", "Egypt, critical of Turkey" (the subject, or the described noun)."""
        sides = self._objects_after(adjective, prepositions)
        if not sides:
            return []
        holders = self._subjects(adjective)
        if not holders and adjective.dep_ in ("amod", "acl"):
            holders = self._actors_of([adjective.head])
        return self._pairs(holders, sides, polarity, adjective, [adjective])

    def _side_after(self, prefix: "Token") -> "Token | None":
        """The word after "anti-" / "pro-" where it names an actor."""
        doc = self.doc
        if prefix.i + 2 < len(doc) and doc[prefix.i + 1].text == "-" and prefix.i + 2 in self.actor_of_token:
            return doc[prefix.i + 2]
        return None

    def _is_side_word(self, token: "Token") -> bool:
        return token.i >= 2 and self.doc[token.i - 1].text == "-" and self.doc[token.i - 2].lower_ in SIDE_PREFIXES

    def _side_prefix(self, prefix: "Token", polarity: str) -> list[Relation]:
        """ "anti-Trump Democrats" (the described noun), "Trump's pro-Israel policies" (its owner), "Bolton was
        pro-Israel", "Bolton, an anti-Russian hawk" (the subject, the noun in apposition), "Tlaib pushes an
        anti-Israel agenda" (whoever has the stance) -> the side."""
        side = self._side_after(prefix)
        anchor = next((token for token in islice(prefix.ancestors, MAX_CLAUSE_DEPTH)
                       if token.i != side.i and not self._is_side_word(token) and token.text != "-"), None)
        if anchor is None:
            return []
        if anchor.pos_ in ("VERB", "AUX"):
            holders = self._subjects(anchor)
        else:
            holders = self._actors_of([anchor])
            if not holders and anchor.dep_ == "appos":  # "Bolton, an anti-Russian hawk"
                holders = self._actors_of([anchor.head])
            elif not holders and (anchor.dep_ == "attr" or (anchor.dep_ == "dobj" and anchor.lemma_.lower() in STANCE_NOUNS)):
                holders = self._subjects(anchor.head)  # "Bolton is an anti-Russian hawk"
        sides = {self.actor_of_token[token.i] for token in self._children(anchor) if self._is_side_word(token)
                 and token.i in self.actor_of_token}
        holders = [(actor, denied) for actor, denied in holders if actor not in sides]
        return self._pairs(holders, [(self.actor_of_token[side.i], False)], polarity, prefix, [prefix, side])

    def _partnership(self, noun: "Token") -> list[Relation]:
        verb = noun.head.head
        partners = self._objects_after(noun, {"with"}, as_tokens=True) or self._objects_after(verb, {"with"}, as_tokens=True)
        return self._pairs(self._subjects(verb), self._actors_of(partners), "supports", noun, [noun.head, noun])

    def _backer_noun(self, noun: "Token", polarity: str, backed: bool = False) -> list[Relation]:
        """ "Russia, Haftar's backer": the members -> the owner; `backed` (a proxy noun): the owner -> the members.
        Between two names, by position whatever the parse: "Kremlin critic Alexei Navalny", "Trump ally Lindsey
        Graham" (the name after -> the name before)."""
        around = self._names_around(noun)
        if around is not None:
            sides = [(around[1], False)], [(around[0], False)]
            return self._pairs(*(sides[::-1] if backed else sides), polarity, noun, [noun])
        owners = [child for child in self._children(noun) if child.dep_ == "poss"]
        owners += [p for p in self._objects_after(noun, {"of"}, as_tokens=True)]
        members = [child for child in self._children(noun) if child.dep_ in ("appos", "compound", "amod")]
        if not owners and noun.dep_ in ("attr", "appos"):  # "Cruz, a Trump critic": the name before is the owner
            owners = [child for child in members if child.dep_ != "appos"]
            members = [child for child in members if child.dep_ == "appos"]
        for child in self._children(noun):
            if child.dep_ == "acl":  # "backers headed by Russia"
                members += [p for agent in self._children(child) if agent.dep_ == "agent" for p in self._children(agent) if p.dep_ == "pobj"]
            if child.dep_ == "prep" and child.lower_ in ("like", "including", "such"):
                members += self._objects_of(child)
        if noun.dep_ in ("attr", "appos"):  # "Russia is Haftar's backer", "Russia, Haftar's backer"
            members += [c for c in self._children(noun.head) if c.dep_ in SUBJECTS] if noun.dep_ == "attr" else [noun.head]
        sources, targets = self._actors_of(members), self._actors_of(owners)
        if backed:
            sources, targets = targets, sources
        return self._pairs(sources, targets, polarity, noun, [noun])

    def _names_around(self, noun: "Token") -> tuple[str, str] | None:
        """The actors named right before and right after a noun ("Kremlin critic Alexei Navalny"), if two differ;
        not a party's adjective before it ("Republican opponent Brian Kemp": Kemp is the Republican)."""
        before, after = self.actor_of_token.get(noun.i - 1), self.actor_of_token.get(noun.i + 1)
        if before is None or after is None or before == after or self.doc[noun.i - 1].text in PARTY_ADJECTIVES:
            return None
        return before, after

    def _gift_noun(self, noun: "Token") -> list[Relation]:
        givers = [child for child in self._children(noun) if child.dep_ in ("poss", "amod", "compound")]  # "Russian help"
        givers += self._objects_after(noun, {"from", "of"}, as_tokens=True)
        receivers = self._objects_after(noun, {"for", "to", "behind"}, as_tokens=True)
        if noun.lower_ in FELLOWSHIP_NOUNS and not receivers:  # "voiced solidarity with Iran" ("with" on either word)
            receivers = self._objects_after(noun, {"with"}, as_tokens=True) or (
                self._objects_after(noun.head, {"with"}, as_tokens=True) if noun.dep_ == "dobj" else [])
        if noun.dep_ == "dobj" and not givers:  # "Trump has had praise for Pompeo"
            givers = self._subject_tokens(noun.head) if receivers else []
        if noun.dep_ == "dobj" and not receivers:  # "Haftar gets support from Egypt"
            receivers = self._subject_tokens(noun.head)
        if noun.dep_ == "pobj" and noun.head.head.pos_ == "VERB" and not receivers:  # "relies on support from"
            receivers = self._subject_tokens(noun.head.head)
        return self._pairs(self._actors_of(givers), self._actors_of(receivers), "supports", noun, [noun])

    def _hostility_noun(self, noun: "Token") -> list[Relation]:
        prepositions = {"against", "on", "of"} if noun.lower_ in OF_HOSTILITY_NOUNS else {"against", "on"}
        targets = self._objects_after(noun, prepositions, as_tokens=True)
        if not targets:
            return []
        sources = [child for child in self._children(noun) if child.dep_ == "poss" and child.pos_ != "PRON"]
        sources += self._objects_after(noun, {"by"}, as_tokens=True)  # "a rebuke by the White House of the regime"
        if not sources and noun.dep_ in ("dobj", "pobj"):  # "Democrats continued their smear of X"
            sources = self._subject_tokens(noun.head if noun.dep_ == "dobj" else noun.head.head)
        return self._pairs(self._actors_of(sources), self._actors_of(targets), "opposes", noun, [noun])

    # -- arguments ---------------------------------------------------------------------------------------
    def _subject_tokens(self, verb: "Token") -> list["Token"]:
        """The subject of a verb, climbing through open clauses ("continuing to accept") and conjoined verbs."""
        for _ in range(6):
            subjects = [child for child in self._children(verb) if child.dep_ in ("nsubj", "csubj")]
            if subjects:
                return [self._antecedent(subject) for subject in subjects]
            if verb.dep_ in ("xcomp", "pcomp", "conj", "acomp", "prep", "advcl") and verb.head is not verb:
                verb = verb.head
            else:
                return []
        return []

    def _subjects(self, verb: "Token") -> list[str]:
        return self._actors_of(self._subject_tokens(verb) or self._described_noun(verb))

    def _described_noun(self, verb: "Token") -> list["Token"]:
        """The noun a participle or relative clause describes: "Islamists, supported by Qatar"."""
        return [verb.head] if verb.dep_ in ("acl", "relcl") else []

    def _antecedent(self, token: "Token") -> "Token":
        if token.lower_ in RELATIVE_PRONOUNS and token.head.dep_ == "relcl":
            return token.head.head
        return token

    def _objects_after(self, head: "Token", prepositions: set[str], as_tokens: bool = False):
        objects = [
            pobj
            for prep in self._children(head)
            if prep.dep_ in ("prep", "agent") and prep.lower_ in prepositions
            for pobj in self._children(prep)
            if pobj.dep_ == "pobj"
        ]
        return objects if as_tokens else self._actors_of(objects)

    def _actors_of(self, tokens: list["Token"]) -> list[tuple[str, bool]]:
        """(actor id, denied) for each actor named by the noun phrases headed by `tokens` (conjuncts, appositions
        and stand-ins included); denied: under a negation of its own ("Russia, not America")."""
        found: list[tuple[str, bool]] = []
        queue = deque(self._antecedent(token) for token in tokens)
        heads = {token.i for token in queue}  # only an argument's own head stands for its owner
        seen = set()
        while queue and len(seen) < MAX_ARGUMENT_WORDS:
            token = queue.popleft()
            if token.i in seen:
                continue
            seen.add(token.i)
            actor = self.actor_of_token.get(token.i) or self._pronoun_actor(token)
            if actor and actor not in [known for known, _ in found]:
                found.append((actor, self._denied(token)))
            for child in self._children(token):
                if child.dep_ in ("conj", "appos"):
                    queue.append(child)
                elif child.dep_ in ("compound", "poss", "amod", "nmod") and (
                    actor and not (actor in self.person_ids and child.dep_ in ("compound", "amod"))  # "US President Trump"
                    or _stands_in(token.lemma_.lower()) or token.i in heads and child.dep_ == "poss"
                ):
                    queue.append(child)
                elif child.dep_ == "prep" and not actor and (
                    child.lower_ in EXAMPLE_PREPOSITIONS or token.i in heads and child.lower_ in OWNER_PREPOSITIONS
                ):  # "state actors like Russia", "the confirmations of Mike Pompeo"
                    queue += self._objects_of(child)
        return found

    def _objects_of(self, preposition: "Token") -> list["Token"]:
        """The objects of a preposition, also through a second word ("such as Egypt")."""
        return [
            grandchild
            for child in (preposition, *self._children(preposition))
            for grandchild in self._children(child)
            if grandchild.dep_ == "pobj"
        ]

    def _denied(self, token: "Token") -> bool:
        """ "Russia, not America": an apposition or conjunct under a negation of its own."""
        return token.dep_ in ("appos", "conj") and any(
            child.dep_ == "neg" and child.i < token.i for child in (*self._children(token), *self._children(token.head))
        )

    def _pronoun_actor(self, token: "Token") -> str | None:
        """ "his" / "he": the person named last before it, within the two sentences before."""
        personal = token.lower_ in PERSONAL_POSSESSIVES
        if not personal and token.lower_ not in THING_PRONOUNS:
            return None
        reporter = self._reporter(token)
        if reporter is not None:  # "Ex-Navy sailor … says he's suing Comey": the sailor, named or not
            return self.actor_of_token.get(reporter.i)
        earliest = self.sentence_of[token.i].start
        previous = self.sentence_of[earliest - 1].start if earliest > 0 else earliest
        excluded = self._clause_holders(token)
        for index in range(token.i - 1, max(previous, token.i - MAX_PRONOUN_DISTANCE) - 1, -1):
            actor = self.actor_of_token.get(index)
            if actor is not None and (actor in self.person_ids) == personal and actor not in excluded:
                return actor
        return None

    def _reporter(self, pronoun: "Token") -> "Token | None":
        """The noun that says or thinks the clause a subject pronoun opens ("X says he …"), when it is a noun."""
        clause = pronoun.head
        if pronoun.dep_ not in SUBJECTS or clause.dep_ != "ccomp" or clause.head.lemma_.lower() not in REPORTING_WORDS:
            return None
        return next((child for child in self._children(clause.head) if child.dep_ == "nsubj" and child.pos_ in ("NOUN", "PROPN")), None)

    def _clause_holders(self, pronoun: "Token") -> set[str]:
        """The actors an object pronoun cannot stand for: the subjects and owners of its own clause ("Ford's
        allegations against him", "Trump praised him": not Ford, not Trump)."""
        if pronoun.dep_ not in ("dobj", "pobj", "dative"):
            return set()
        holders: set[str] = set()
        for ancestor in islice(pronoun.ancestors, MAX_CLAUSE_DEPTH):
            holders.update(self.actor_of_token[child.i] for child in self._children(ancestor)
                           if child.dep_ in ("poss", *SUBJECTS) and child.i in self.actor_of_token)
            if ancestor.pos_ in ("VERB", "AUX"):
                break
        return holders

    # -- relations ---------------------------------------------------------------------------------------
    def _pairs(
        self, sources: list[tuple[str, bool]], targets: list[tuple[str, bool]], polarity: str, anchor: "Token",
        trigger: list["Token"],
    ) -> list[Relation]:
        if not sources or not targets:
            return []
        sentence = self.sentence_of[anchor.i]
        evidence = sentence_range(sentence)
        words = tuple((token.idx, token.idx + len(token.text)) for token in sorted(trigger, key=lambda t: t.i))
        modality = self._modality(anchor)
        return [
            Relation(source, target, polarity, "negated" if source_denied or target_denied else modality, evidence, words)
            for source, source_denied in sources
            for target, target_denied in targets
            if source != target
        ]

    def _modality(self, anchor: "Token") -> str:
        chain = [anchor, *islice(anchor.ancestors, MAX_CLAUSE_DEPTH)]
        clause_verbs = [token for token in chain if token.pos_ in ("VERB", "AUX")]
        near = clause_verbs[:2]
        if any(child.dep_ == "neg" or child.lower_ == "no" for token in [anchor, *near] for child in self._children(token)):
            return "negated"
        if any(child.dep_ == "mark" and child.lower_ in CONDITION_MARKS for token in clause_verbs for child in self._children(token)):
            return "conditional"
        auxiliaries = {child.lower_ for token in near for child in self._children(token) if child.dep_ == "aux"}
        if auxiliaries & FUTURE_WORDS or self._going_to(near):
            return "predicted"
        if auxiliaries & HYPOTHETICAL_WORDS:
            return "conditional"
        if (
            any(token.lemma_.lower() in REPORTING_WORDS for token in chain[1:])
            or self._hearsay(self.sentence_of[anchor.i])
            or self._quoted(anchor)
        ):
            return "reported"
        return "asserted"

    def _quoted(self, anchor: "Token") -> bool:
        """Inside a quotation: the sentence opens more quotes than it closes before the trigger (a straight quote
        counts as opening when odd)."""
        sentence = self.sentence_of[anchor.i]
        if sentence.start not in self._quotes_of:
            self._quotes_of[sentence.start] = self._quote_states(sentence.start_char, sentence.end_char)
        offsets, inside = self._quotes_of[sentence.start]
        last = bisect_left(offsets, anchor.idx) - 1
        return last >= 0 and inside[last]

    def _quote_states(self, start: int, end: int) -> tuple[list[int], list[bool]]:
        """The offset of each quote mark in [start, end) and whether the text after it is inside a quotation."""
        offsets, inside, opened, straight = [], [], 0, 0
        for offset in range(start, end):
            mark = self.text[offset]
            if mark in OPENING_QUOTES:
                opened += 1
            elif mark in CLOSING_QUOTES:
                opened -= 1
            elif mark == '"':
                straight += 1
            else:
                continue
            offsets.append(offset)
            inside.append(opened > 0 or straight % 2 == 1)
        return offsets, inside

    def _hearsay(self, sentence) -> bool:
        """Whether the sentence says "reportedly", "allegedly" or "according to" (read once per sentence)."""
        if sentence.start not in self._hearsay_of:
            self._hearsay_of[sentence.start] = any(
                token.lower_ in ("reportedly", "allegedly")
                or (token.lower_ == "according" and token.i + 1 < len(self.doc) and token.nbor(1).lower_ == "to")
                for token in sentence
            )
        return self._hearsay_of[sentence.start]

    def _going_to(self, verbs: list["Token"]) -> bool:
        return any(
            child.lower_ == "going" and child.i + 1 < len(child.doc) and child.nbor(1).lower_ == "to"
            for verb in verbs
            for child in self._children(verb)
        )
