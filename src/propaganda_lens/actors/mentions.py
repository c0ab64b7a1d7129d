"""Actors and their mentions: spaCy's named entities, cleaned, typed and merged into one actor per referent.

- PERSON entities are people; ORG entities organizations; GPE and NORP entities are countries when the
  country names table (built from countryinfo, see tools/build_country_names.py) knows them ("UK", "the British",
  "America"), NORP plural nouns not in it are groups ("Islamists"); other places (cities, regions) are not actors.
- Mentions of one actor merge: a surname after a full name ("Khalifa Haftar" … "Haftar"), titles dropped
  ("Field Marshall"), an acronym and the name it abbreviates ("Derna Mujahideen Shura Council (DMSC)"), a name
  and a longer form that starts with it ("the Muslim Brotherhood" / "the Muslim Brotherhood Sect"); the merges of
  one person's names are in merges.py.
- Once an actor is known, its other untagged occurrences (same words, same case) are mentions too.
- Beyond the recogniser: a line that only lists names (a poll's options) gives a person per given name and
  surname; platforms, political camps ("conservatives", "the Left") and a country after "pro-"/"anti-" are named
  where it misses them; faiths, events and bodies inside a job title ("House Speaker …") are not actors. The word
  lists are in name_words.py.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from propaganda_lens.actors.name_words import (
    BODY_NOUNS, CAMP_SIDES, CHAMBERS, DOCUMENT_OR_EVENT_ENDINGS, EVENT_NAMES, GOVERNING_WORDS, JOINING_WORDS,
    NAME_ADJECTIVE_ENDINGS, NAME_PARTICLES, PARTY_ADJECTIVES, PLACE_PREPOSITIONS, PLATFORMS, POLITICAL_CAMPS,
    RELIGIOUS_NAMES, SEATS_OF_GOVERNMENT, SIDE_PREFIXES, SITE_NAME_ENDINGS, SITE_WORDS, TITLE_WORDS, TITLES,
    US_STATE_CODES, US_STATE_NAMES,
)
from propaganda_lens.actors.agents import is_non_state_agent
from propaganda_lens.actors.merges import Candidate, acronym, merge_surnames, person_words
from propaganda_lens.data import Actor

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span as SpacySpan, Token

COUNTRY_NAMES = Path(__file__).resolve().parent / "country_names.tsv"
CITY_NAMES = Path(__file__).resolve().parent / "city_names.tsv"
PERSON_COUNTRIES = Path(__file__).resolve().parent / "person_countries.tsv"
ENTITY_KINDS = {"PERSON": "person", "ORG": "organization", "GPE": "place", "NORP": "nationality"}
MAX_TITLE_WORDS = 3
MAX_KNOWN_NAME_WORDS = 4  # the longest full name looked up in the Phoenix dictionaries
MAX_ACRONYM_LETTERS = 4  # longer capitals are a word in capitals ("WASHINGTON —"), not an acronym
MIN_LISTED_NAMES = 3  # a line of at least this many two-word names and nothing else is a list of people
# A photo credit or byline: a short line naming a picture agency or a photographer (not a mention of an actor,
# by the annotation guidelines).
CREDIT_LINE = re.compile(
    r"^[^\n]{0,40}\b(?:photo|photograph|image|picture|credit|illustration)s?\b\s*(?:[/:|©]|by\b)[^\n]{0,80}$"
    r"|^[^\n]{0,60}[/|]\s*(?:getty images|reuters|afp|ap|shutterstock|epa)\b[^\n]{0,40}$"
    r"|^\s*by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*(?:,[^\n]{0,80})?$"  # "By Jane Doe, The Tribune, May 2"
    r"|^\s*\((?:additional\s+)?(?:reporting|writing)\s+by\b[^\n]{0,150}\)\s*$"  # "(Reporting by …; Editing by …)"
    r"|\b[A-Z][\w.'-]{0,30}(?:[ \t]{1,3}[A-Z][\w.'-]{0,30}){0,3}[ \t]{0,3}/[ \t]{0,3}(?:AP|AFP|Reuters|Getty Images|EPA)[ \t]{1,3}Photo\b"
    # "Rick Bowmer/AP Photo" (bounded: unanchored, it is tried at every word)
    r"|©\s*(?:\d{4}\s*)?provided by\s+[A-Z][\w.'&-]*(?:\s+[A-Z][\w.'&-]*){0,3}"
    r"|^\s*©[^\n]{0,120}$"  # "©2018 Los Angeles Times, Distributed by Tribune Content Agency"
    r"|^\s*[—–]+\s*[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*$"  # a signature: "— Patrick McGreevy"
    r"|^[A-Z][A-Z .,'-]{2,40}\((?:Reuters|AP|AFP|UPI|Xinhua|TASS|Sputnik|RT)\)\s*[-–—]?"  # "STOCKHOLM (Reuters) -"
    r"|^[^\n]{0,30}\b(?:posted|published|reprinted|republished)\s+(?:with permission\s+)?(?:from|by|at)\b[^\n]{0,100}$"
    r"|^\s*[“\"][^\n]{5,150}[”\"],?\s+by\s+[A-Z][^\n]{0,100}$"  # '"Iran Admits …," by Adam Kredo, Washington Free Beacon'
    # a bookshop's advertisement: "American Raj: Liberati... Eric Margolis Best Price: $5.99 Buy New $45.86 (as of …)"
    r"|^[^\n]{0,150}?\bBest Price:\s*\$[\d.,]+(?:\s*Buy New\s*\$[\d.,]+)?(?:\s*\(as of[^)\n]{0,40}\))?",

    re.IGNORECASE | re.MULTILINE,
)
MODEL_DESIGNATION = re.compile(r"\b[A-Z][A-Za-z]?-\d+")  # "F-16s", "F-22 Raptor", "MiG-29": a weapon or product model
NOT_HEADLINE_WORDS = re.compile(r"\([^()\n]*\)|\b[A-Za-z][\w+.-]{0,20}://\S+|@\w+")  # brackets, links, handles
HEADLINE_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{3,}")
HEADLINE_CAPITALS = 0.8  # share of capitalized words from which a sentence is set in headline casing
MIN_HEADLINE_WORDS = 2
POSSESSIVE_ENDINGS = frozenset({"'s", "’s"})
TITLE_CASE_SMALL_WORDS = frozenset("a an the at in of on to for by as from into with vs".split())
FUNCTION_POS = frozenset({"ADP", "CCONJ", "SCONJ", "DET", "PART", "PRON", "AUX", "PUNCT"})
MAX_NAME_TOKENS = 8
LEADING_NON_NAME_TAGS = frozenset({"MD", "RB", "RBR", "RBS", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})


def _table_rows(path: Path) -> list[dict[str, str]]:
    """The rows of one of the shipped tab-separated tables beside this module."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Name a text may use -> the country's common name ("UAE" -> "United Arab Emirates")."""
    return {row["name"]: row["country"] for row in _table_rows(COUNTRY_NAMES)}


@lru_cache(maxsize=1)
def city_names() -> frozenset[str]:
    """Names of cities of at least 100,000 people (tools/build_city_names.py), countries left out."""
    return frozenset(row["name"] for row in _table_rows(CITY_NAMES))


@lru_cache(maxsize=1)
def person_countries() -> dict[str, str]:
    """A person's name, lower case -> the country they act for (Phoenix, tools/build_person_countries.py)."""
    return {row["name"]: row["country"] for row in _table_rows(PERSON_COUNTRIES)}


def _country_acted_for(candidate: "Candidate") -> str | None:
    """The country the Phoenix dictionaries tie one of the person's full names to, the most used name first."""
    countries = person_countries()
    for name, _ in candidate.names.most_common():
        country = countries.get(" ".join(name.casefold().replace("’", "'").split()))
        if country is not None:
            return country
    return None


def country_of(name: str) -> str | None:
    names = country_names()
    return names.get(name) or names.get(name.title()) or (names.get(name[:-1]) if name.endswith("s") else None)


def name_ranges(entity: "SpacySpan") -> list[tuple[int, int]]:
    """The token ranges of the names in an entity: one, or several where the recogniser ran a list together
    ("Brennan, Comey, McCabe"; "Trump praised Braun"), each cleaned by `clean_name`."""
    doc = entity.doc
    pieces, start = [], entity.start
    for index in range(entity.start, entity.end):
        token = doc[index]
        separator = token.text in (",", ";", "/") or token.text in PLATFORMS or "\n" in token.text_with_ws or (
            token.is_alpha and token.text[0].islower() and not (index and doc[index - 1].text == "-")  # "Kim Jong-un"
            and (token.pos_ in ("VERB", "AUX") or entity.label_ == "PERSON" and token.lower_ not in NAME_PARTICLES)
        )
        if separator:
            pieces.append((start, index + (0 if token.text in (",", ";", "/") or token.is_alpha else 1)))
            start = index + 1
    end = entity.end
    if entity.label_ == "PERSON" and end < len(doc) and doc[end].tag_ == "NNP" and not doc[end].ent_type_ \
            and doc[end].text.istitle() and "\n" not in doc[end - 1].text_with_ws:
        end += 1  # "Will Brett" + "Kavanaugh": the surname the recogniser left out
    pieces.append((start, end))
    return [cleaned for first, last in pieces if last > first and (cleaned := clean_name(doc, first, last, entity.label_))]


def clean_name(doc: "Doc", first: int, last: int, label: str) -> tuple[int, int] | None:
    """The token range of a name without articles, titles or a possessive 's; None if not a name."""
    for index in range(first + 1, last):  # "Theresa May's Tory" -> "Theresa May"
        if doc[index].tag_ == "POS" and doc[index].lower_ in POSSESSIVE_ENDINGS:  # not "Workers' Party"
            last = index
            break
    for index in range(first + 1, last):  # "Executive Office for Immigration Review (EOIR" -> without the acronym
        if doc[index].text == "(":
            last = index
            break
    for index in range(last - 2, first - 1, -1):  # "[Mike] Pompeo", an editor's insertion -> "Pompeo"
        if doc[index].text == "]":
            first = index + 1
            break
    while last > first and (doc[last - 1].pos_ == "PART" or doc[last - 1].is_punct or doc[last - 1].is_space
                            or doc[last - 1].lower_ in POSSESSIVE_ENDINGS
                            or not any(character.isalnum() for character in doc[last - 1].text)):
        last -= 1  # "Blair's", "Mohamed’s" (tagged a noun) -> "Blair", "Mohamed"; "Andrew Dyer 🛴" -> "Andrew Dyer"
    if last - first > 2 and doc[first].lower_ == "ex" and doc[first + 1].text == "-":
        first += 2  # "ex-Goldman Sachs": the body itself
    if label == "PERSON" and last - first > 2 and (
            doc[first].text in PARTY_ADJECTIVES or doc[first].lower_ + "s" in POLITICAL_CAMPS):
        first += 1  # "Conservative Ben Shapiro", "Republican Lindsey Graham": the person
    if last - first > 1 and doc[last - 1].lower_ in GOVERNING_WORDS:
        last -= 1  # "Trump Administration", "Hungarian Government": a mention of Trump, of Hungary
    while first < last and (doc[first].lower_ in ("the", "a", "an") or doc[first].is_punct or _title_before_name(doc, first, last)
                            or doc[first].tag_ in LEADING_NON_NAME_TAGS):
        first += 1  # "Likewise Reagan", "Reading Obama's memoir": an adverb or verb the recogniser took in
    if last - first == 3 and doc[first].lower_ in SIDE_PREFIXES and doc[first + 1].text == "-":
        first += 2  # "anti-Maduro", "pro-Israel": the side named (not "Anti-Defamation League")
    if first >= last or last - first > MAX_NAME_TOKENS:
        return None
    if first >= 2 and doc[first - 1].lower_ == "of" and doc[first - 2].lower_ == "secretary":
        return None  # "Secretary of State": a title, not the department
    if doc[last - 1].pos_ in FUNCTION_POS or not any(t.text[:1].isupper() for t in doc[first:last]):
        return None  # a headline fragment ("… Away from Victory against") or a lower-case word
    if label == "PERSON" and last - first == 1 and _adjective_of_a_name(doc[first]):
        return None  # "Orwellian newspeak"
    name = doc[first:last].text
    if label == "ORG" and (name in city_names() or name.isupper() and name.title() in city_names()):
        return None  # "Copenhagen", "STOCKHOLM (Reuters)": a city the recogniser took for an organization
    if MODEL_DESIGNATION.match(name) or label != "PERSON" and (
            doc[last - 1].text in SITE_NAME_ENDINGS or last - first > 1 and doc[last - 1].text in DOCUMENT_OR_EVENT_ENDINGS):
        return None
    if name in EVENT_NAMES or name in RELIGIOUS_NAMES or name.startswith("Operation ") or set(name.lower().split()) <= SITE_WORDS:
        return None
    return first, last


def _title_before_name(doc: "Doc", first: int, last: int) -> bool:
    """A title or rank before a name ("President Trump"), not a word of a body's name ("the Justice Department")."""
    if doc[first].lower_.rstrip(".") not in TITLES:
        return False
    return first + 1 >= last or doc[first + 1].lower_ not in BODY_NOUNS


def _adjective_of_a_name(token: "Token") -> bool:
    """ "Orwellian": tagged an adjective, or a word with an adjective's ending that modifies a common noun."""
    if token.tag_ == "JJ":
        return True
    return (token.lower_.endswith(NAME_ADJECTIVE_ENDINGS) and token.dep_ in ("amod", "nmod", "compound")
            and token.head.pos_ == "NOUN" and token.head.text.islower())


def _in_a_title(doc: "Doc", after: int) -> bool:
    """Whether title words and then a person's name follow a body's name ("House| Speaker Nancy Pelosi")."""
    index = after
    while index < len(doc) and index - after < MAX_TITLE_WORDS and doc[index].lower_.rstrip(".") in TITLE_WORDS:
        index += 1
    return after < index < len(doc) and doc[index].ent_type_ == "PERSON"


def _before_its_members(doc: "Doc", after: int) -> bool:
    """ "Senate| Democrats", "House| Republicans": a chamber's name before a party's members says where they sit;
    the members act, not the chamber."""
    return (after < len(doc) and doc[after - 1].text in CHAMBERS and doc[after].ent_type_ == "NORP"
            and doc[after].tag_ == "NNPS")


def _without_leader(doc: "Doc", first: int, last: int, surnames: set[str]) -> tuple[int, int]:
    """ "Obama Justice Department", "Trump White House", "Obama FBI": the body under a leader's name that the
    article names as a person elsewhere is a mention of the body (not "Clinton Foundation", named after one)."""
    if last - first < 2 or doc[first].text not in surnames:
        return first, last
    body = doc[first + 1 : last]
    initials = len(body) == 1 and body.text.isupper() and len(body.text) > 1
    if initials or body.text in SEATS_OF_GOVERNMENT or body[-1].lower_ in BODY_NOUNS:
        return first + 1, last
    return first, last


def _party_of_a_place(previous: tuple, entity: "SpacySpan") -> bool:
    """A place's name right before a plural nationality word: a party ("Sweden Democrats")."""
    place, _, (_, last) = previous
    return (place.label_ == "GPE" and last == entity.start == place.end and len(entity) == 1
            and entity[0].tag_ in ("NNS", "NNPS"))


def _names_a_camp(token: "Token") -> bool:
    """ "conservatives", "neocons", "the Left": a political camp named as a plural noun or as a side."""
    if token.text in CAMP_SIDES:
        return token.i > 0 and token.nbor(-1).lower_ == "the" and token.pos_ in ("NOUN", "PROPN")
    return token.lower_ in POLITICAL_CAMPS and token.tag_ in ("NNS", "NNPS")


def _modifies_a_common_noun(token: "Token") -> bool:
    """ "Democrat allies", "Republican voters": not a person's description ("Republican Brian Kemp") or a noun
    itself ("the first Republican")."""
    return token.dep_ in ("amod", "compound") and token.head.i > token.i and token.head.ent_type_ != "PERSON"


def _after_place_preposition(doc: "Doc", first: int, last: int) -> bool:
    """A one-word name that is the object of "in", "at", "near" …: a place ("US forces at al-Tanf")."""
    root = doc[first:last].root
    return " " not in doc[first:last].text and root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPOSITIONS


def credit_lines(text: str) -> list[tuple[int, int]]:
    """The [start, end) character ranges of photo credit and byline lines."""
    return [match.span() for match in CREDIT_LINE.finditer(text)]


def headline_cased(sentence: "SpacySpan") -> bool:
    """Whether a sentence is set in headline casing ("Adam Schiff Threatens Impeachment Over Report"), where the
    entity recogniser takes capitalized words for names: nearly all its words of four letters or more outside
    named entities, after the first word, are capitalized (names alone do not make a sentence so)."""
    kept = [" " if token.ent_type_ else token.text_with_ws for token in sentence]
    words = _headline_words(sentence, "".join(kept))
    # A line of capitalized words but little outside names, not a list of names: "America's Immigration Voice.";
    # with a word outside names, title case's small words may be in lower case ("Imam Featured Yet Again at
    # Florida Democrat Gala"), but not "According to The Washington Post:".
    small_words = TITLE_CASE_SMALL_WORDS if words else frozenset()
    if len(words) < MIN_HEADLINE_WORDS and not any(
        token.text == "," or token.dep_ == "cc" or token.is_alpha and token.is_lower and token.lower_ not in small_words
        for token in sentence
    ):
        words = _headline_words(sentence, sentence.text)
    return len(words) >= MIN_HEADLINE_WORDS and sum(word[0].isupper() for word in words) >= HEADLINE_CAPITALS * len(words)


def _headline_words(sentence: "SpacySpan", text: str) -> list[str]:
    """The words of four letters or more in `text` (a sentence's), less links and brackets, after its first."""
    words = HEADLINE_WORD.findall(NOT_HEADLINE_WORDS.sub(" ", text))
    if words and sentence.text.lstrip().startswith(words[0]):
        words = words[1:]
    return words


def _confirmed(doc: "Doc", first: int, last: int, body_names: set[str]) -> tuple[int, int] | None:
    """The longest start of a headline-cased name that the body names too ("Adam Schiff Threatens" -> "Adam
    Schiff"), or None."""
    for end in range(last, first, -1):
        if doc[first:end].text in body_names:
            return first, end
    return None


def listed_names(sentence: "SpacySpan") -> list[tuple[int, int]]:
    """The token ranges of the names in a line that lists people and nothing else, as a web poll's options do
    ("* John Bolton Richard Grenell Dina Powell Heather Nauert Ivanka Trump"), where the recogniser runs the names
    together: an even number of capitalized words, no function word, mostly inside PERSON entities, read as
    given name and surname pairs. Empty for any other sentence."""
    words = [token for token in sentence if not (token.is_punct or token.is_space)]
    if len(words) < 2 * MIN_LISTED_NAMES or len(words) % 2 or words[0].i > sentence.start + 2:
        return []
    if any(not token.is_alpha or not token.text.istitle() or token.is_stop for token in words):
        return []
    if words[-1].i - words[0].i + 1 != len(words):
        return []
    in_persons = sum(token.ent_type_ == "PERSON" for token in words)
    if 2 * in_persons < len(words):
        return []
    return [(token.i, token.i + 2) for token in words[::2]]


def _names_the_recogniser_missed(doc: "Doc", covered: set[int]) -> list[tuple["Token", str]]:
    """One-word names outside `covered` tokens, with their kind: platforms ("Facebook Twitter" share buttons),
    political camps ("conservatives") and a country after "pro-" or "anti-" ("pro-Israel")."""
    found = []
    for token in doc:
        if token.i in covered:
            continue
        if token.text in PLATFORMS:
            found.append((token, "organization"))
        elif _names_a_camp(token):
            found.append((token, "group"))
        elif token.i >= 2 and doc[token.i - 1].text == "-" and doc[token.i - 2].lower_ in SIDE_PREFIXES and country_of(token.text):
            found.append((token, "nationality"))
    return found


def _known_persons_missed(doc: "Doc", covered: set[int], credits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Full names of people in the Phoenix dictionaries, written with capitals, where the recogniser read no
    entity at all ("Labour backs Theresa May"), outside credit lines. Where it read a place or a building
    ("Golan Heights", "White House"), that reading stands: the dictionaries list some of those as people."""
    known = person_countries()
    found = []
    index = 0
    while index < len(doc):
        size = next((size for size in range(MAX_KNOWN_NAME_WORDS, 1, -1)
                     if _capitalized_words(doc, index, index + size, covered)
                     and " ".join(token.lower_ for token in doc[index : index + size]) in known), 0)
        if size and not any(start <= doc[index].idx < end for start, end in credits):
            found.append((index, index + size))
        index += size or 1
    return found


def _capitalized_words(doc: "Doc", first: int, last: int, covered: set[int]) -> bool:
    """Whether doc[first:last] are capitalized words in no entity of the recogniser and outside `covered`."""
    return last <= len(doc) and all(token.is_title and token.is_alpha and not token.ent_type_
                                    and token.i not in covered for token in doc[first:last])


def find_actors(doc: "Doc") -> tuple[list[Actor], dict[int, str]]:
    """The actors of a parsed text, in order of first mention, and the actor id of each token inside a mention."""
    votes: dict[str, Counter] = defaultdict(Counter)
    credits = credit_lines(doc.text)
    headline_tokens = {token.i for sentence in doc.sents if headline_cased(sentence) for token in sentence}
    listed = [name for sentence in doc.sents for name in listed_names(sentence)]
    listed_tokens = {index for first, last in listed for index in range(first, last)}
    found = []
    for entity in doc.ents:
        kind = ENTITY_KINDS.get(entity.label_)
        if kind == "place" and entity.text.isupper() and entity.text.isalpha() and len(entity.text) <= MAX_ACRONYM_LETTERS \
                and entity.text not in US_STATE_CODES:
            kind = "organization"  # "RT", unless the countries table knows it ("UK")
        if kind is None or entity.start in listed_tokens or any(start <= entity.start_char < end for start, end in credits):
            continue
        if kind == "nationality" and found and _party_of_a_place(found[-1], entity):
            place = found.pop()[0]  # "Sweden Democrats", "Texas Republicans": one party
            found.append((place, "organization", (place.start, entity.end)))
            continue
        found += [(entity, "group" if last - first == 1 and _names_a_camp(doc[first]) else kind, (first, last))
                  for first, last in name_ranges(entity)]
    body_names = {doc[a:b].text for entity, _, (a, b) in found if entity.start not in headline_tokens}
    surnames = {doc[last - 1].text for _, kind, (first, last) in found if kind == "person"}
    entities = []
    for first, last in listed:
        votes[doc[first:last].text]["person"] += 1
        entities.append(((first, last), doc[first:last].text))
    covered = listed_tokens | {index for _, _, (first, last) in found for index in range(first, last)}
    for token, kind in _names_the_recogniser_missed(doc, covered):
        votes[token.text][kind] += 1
        entities.append(((token.i, token.i + 1), token.text))
    for first, last in _known_persons_missed(doc, covered, credits):
        votes[doc[first:last].text]["person"] += 1
        entities.append(((first, last), doc[first:last].text))
    for entity, kind, cleaned in found:
        if entity.start in headline_tokens and country_of(doc[cleaned[0] : cleaned[1]].text) is None:
            cleaned = _confirmed(doc, *cleaned, body_names)
            if cleaned is None:
                continue  # a headline's capitalized words that the article never names again
        if kind == "organization" and (_in_a_title(doc, cleaned[1]) or _before_its_members(doc, cleaned[1])):
            continue
        if kind == "organization":
            cleaned = _without_leader(doc, *cleaned, surnames)
        name = doc[cleaned[0] : cleaned[1]].text
        votes[name]["place" if kind == "person" and _after_place_preposition(doc, *cleaned) else kind] += 1
        entities.append((cleaned, name))

    candidates: dict[str, Candidate] = {}  # key -> candidate
    surname_owner: dict[str, str] = {}
    acronym_owner: dict[str, str] = {}
    prefix_owner: dict[tuple[str, str], str] = {}  # (kind, the first words of a name) -> that name's key
    spellings: dict[tuple[str, str], str] = {}  # (kind, the name case-folded, hyphens as spaces) -> key
    for (first, last), name in sorted(entities):
        kind_votes = votes[name]
        words = name.split()
        country = country_of(name)
        if name == "Georgia" and US_STATE_NAMES.search(doc.text):
            continue  # the state, where the article names others: a place, not an actor
        if country:
            kind, key = "country", country
        elif len(words) == 1 and name in surname_owner:
            kind, key = "person", surname_owner[name]  # "Belhadj", even where tagged an organization
        elif len(words) > 1 and words[-1] in candidates and candidates[words[-1]].kind == "person":
            kind, key = "person", name  # "Robert Mueller" after the headline's "Mueller": merged below
        elif kind_votes["place"] and kind_votes["place"] >= kind_votes["person"]:
            continue  # a city or region (also where it was once taken for a person): a place, not an actor
        elif kind_votes["person"] or (len(words) > 1 and votes[words[-1]]["person"]):
            kind, key = "person", name
        elif kind_votes["group"]:
            kind, key = "group", name
        elif kind_votes["nationality"] and not kind_votes["organization"]:
            if name in PARTY_ADJECTIVES and _modifies_a_common_noun(doc[first]):
                name = PARTY_ADJECTIVES[name]
            elif doc[last - 1].tag_ not in ("NNS", "NNPS"):
                continue  # "Islamist factions": an adjective, not a group
            kind, key = "group", name
        else:
            kind, key = "organization", name
        if kind == "organization" and name.replace(".", "") in acronym_owner:
            key = acronym_owner[name.replace(".", "")]  # "U.N." after "United Nations"
        elif kind in ("organization", "group"):  # "Muslim Brotherhood" and "Muslim Brotherhood Sect" are one
            key = _longer_or_shorter_form(name, kind, candidates, prefix_owner) or key
        if key not in candidates and kind in ("organization", "group"):
            for size in range(1, len(words)):  # "House" is not "House of Commons"
                if words[size].lower() not in JOINING_WORDS:
                    prefix_owner.setdefault((kind, " ".join(words[:size])), key)
        spelling = _spelling(key)
        key = spellings.setdefault((kind, spelling), key)
        candidate = candidates.setdefault(key, Candidate(kind))
        candidate.names[name] += 1
        candidate.mentions.append((first, last))
        if kind == "person" and len(words) > 1 and first not in listed_tokens:
            surname_owner.setdefault(words[-1], key)
        if kind == "organization" and len(words) > 1:
            acronym_owner.setdefault(acronym(words), key)
            _acronym_in_brackets(doc, last, acronym(words), candidate)
    only_listed = frozenset(key for key, candidate in candidates.items()
                            if all(first in listed_tokens for first, _ in candidate.mentions))
    merge_surnames(candidates, only_listed)
    _drop_common_words(doc, candidates)
    _add_untagged_mentions(doc, candidates, only_listed)

    ordered = sorted(candidates.items(), key=lambda item: min(item[1].mentions))
    actors, actor_of_token = [], {}
    for number, (key, candidate) in enumerate(ordered, start=1):
        actor_id = f"actor-{number}"
        mentions = sorted(set(candidate.mentions))
        name = key if candidate.kind == "country" else _display_name(candidate)
        country = _country_acted_for(candidate) if candidate.kind == "person" else None
        actors.append(Actor(actor_id, name, candidate.kind, [(doc[a].idx, doc[b - 1].idx + len(doc[b - 1])) for a, b in mentions],
                            country=country))
        for first, last in mentions:
            if candidate.kind == "country" and _before_a_non_state_agent(doc[last - 1]):
                continue  # "Syrian rebels" names Syria but does not stand for it
            for index in range(first, last):
                actor_of_token[index] = actor_id
    return actors, actor_of_token


def _before_a_non_state_agent(token: "Token") -> bool:
    """ "Syrian rebels", "Libya's militias": a country's name or demonym that qualifies a non-state agent."""
    return token.dep_ in ("amod", "compound", "poss", "nmod") and token.head.pos_ in ("NOUN", "PROPN") \
        and is_non_state_agent(token.head.lemma_.lower())


def _spelling(name: str) -> str:
    """One form for a name's spellings: case-folded, hyphens as spaces ("Al-Qaeda", "Al Qaeda"), "X of Y" as
    "Y X" ("Department of Justice", "Justice Department")."""
    words = name.casefold().replace("-", " ").split()
    if len(words) == 3 and words[1] == "of":
        words = [words[2], words[0]]
    return " ".join(words)


def _longer_or_shorter_form(
    name: str, kind: str, candidates: dict[str, Candidate], prefix_owner: dict[tuple[str, str], str]
) -> str | None:
    """The key of a known name of this kind that `name` starts with, or that starts with `name`, word by word."""
    words = name.split()
    for size in range(1, len(words)):
        shorter = " ".join(words[:size])
        if shorter in candidates and candidates[shorter].kind == kind and words[size].lower() not in JOINING_WORDS:
            return shorter
    return prefix_owner.get((kind, name))


def _display_name(candidate: Candidate) -> str:
    """A person's fullest name; an organization's or group's most used name, shortest on a tie, spelled out
    rather than an acronym."""
    names = candidate.names
    if candidate.kind == "person":
        return max(names, key=lambda name: (len(name.split()), names[name]))
    return max(names, key=lambda name: (not name.isupper(), names[name], -len(name)))


def _acronym_in_brackets(doc: "Doc", after: int, short_form: str, candidate: Candidate) -> None:
    """ "Derna Mujahideen Shura Council (DMSC)": the bracketed acronym is a mention of the same actor."""
    index = after
    while index < len(doc) and doc[index].text in ("'", "’", "”", '"'):
        index += 1
    if index + 2 < len(doc) and doc[index].text == "(" and doc[index + 1].text == short_form and doc[index + 2].text == ")":
        candidate.names[short_form] += 0  # a known form (its other occurrences become mentions), never the display name
        candidate.mentions.append((index + 1, index + 2))


def _drop_common_words(doc: "Doc", candidates: dict[str, Candidate]) -> None:
    """Drops a person or organization named by one capitalized word only where the recogniser took a common
    word for a name: the text also uses the word in lower case ("Law", "Council"), or the tagger reads every
    mention as neither a proper noun nor a singular noun ("Smiles and hugs are premature", "Raises mental health
    funding" at a sentence start)."""
    lower_words = {token.text for token in doc if token.is_lower and token.is_alpha}
    for key in [key for key, candidate in candidates.items() if candidate.kind in ("person", "organization")]:
        candidate = candidates[key]
        if not all(" " not in name and name.istitle() for name in candidate.names):
            continue
        if all(name.lower() in lower_words for name in candidate.names) or all(
                last - first == 1 and _common_word(doc[first]) for first, last in candidate.mentions):
            del candidates[key]


def _common_word(token: "Token") -> bool:
    """Tagged as other than a noun in the singular ("Absurd", "Smiles"), or as a plural proper noun at a sentence
    start ("Raises"). A singular noun may be a name the tagger missed ("Trump praised Braun")."""
    return token.tag_ not in ("NNP", "NNPS", "NN") or token.is_sent_start and token.tag_ == "NNPS"


def _add_untagged_mentions(doc: "Doc", candidates: dict[str, Candidate], only_listed: frozenset[str]) -> None:
    """Occurrences of a known one-word name (or acronym) that the entity recogniser missed."""
    covered = {index for candidate in candidates.values() for first, last in candidate.mentions for index in range(first, last)}
    words: dict[str, str] = {}
    surnames: dict[str, set[str]] = defaultdict(set)
    for key, candidate in candidates.items():
        for name in candidate.names:
            if " " not in name and len(name) > 1:
                words.setdefault(name, key)
            elif candidate.kind == "person" and " " in name and key not in only_listed:
                surnames[person_words(name)[-1]].add(key)
    for surname, owners in surnames.items():  # "Farage" after "Nigel Farage", untagged
        if len(owners) == 1 and len(surname) > 1 and surname[0].isupper():
            words.setdefault(surname, next(iter(owners)))
    for token in doc:
        key = words.get(token.text)
        if key is None or token.i in covered or _title_of_a_name(token) or _before_its_members(doc, token.i + 1):
            continue
        candidates[key].mentions.append((token.i, token.i + 1))


def _title_of_a_name(token: "Token") -> bool:
    """ "Judge" in "Judge Kavanaugh": a title before a name, not the surname of Mark Judge."""
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return token.lower_ in TITLES and following is not None and following.is_title
