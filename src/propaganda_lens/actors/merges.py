"""Merging the names an article gives one actor: a surname into the one full name that ends with it, a shorter
given name into the longer one, full forms that differ in middle names, a nickname or one letter, and an acronym
into the name it abbreviates. Each merge finds its partners through dictionaries of name forms, not by
comparing every pair of names."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from propaganda_lens.actors.name_words import GENERATION_NUMERALS, NICKNAMES

MIN_MISSPELT_LETTERS = 4  # a given name one letter from another is a misspelling from this length ("Dianna")
MIN_MISSPELT_SURNAME = 6  # and a surname alone from this one ("Guiliani")


@dataclass
class Candidate:
    """One actor while mentions are merged: its kind, the names it was called and its mentions (token ranges)."""

    kind: str
    names: Counter = field(default_factory=Counter)
    mentions: list[tuple[int, int]] = field(default_factory=list)  # token [first, last) ranges


def acronym(words: list[str]) -> str:
    return "".join(word[0] for word in words if word[:1].isupper())


def merge_surnames(candidates: dict[str, Candidate], only_listed: frozenset[str] = frozenset()) -> None:
    """A shorter person name joins the one person whose fuller name ends with it ("Mueller", "Trump Jr" after
    "Donald Trump Jr."), or, for one word, starts with it ("Xi" / "Xi Jinping"), wherever that fuller name first
    appears, unless that name is `only_listed` (named in a list of people only, a poll's options, where "Ivanka
    Trump" does not tell which Trump the article means); an acronym organization joins the one organization it
    abbreviates, whichever came first."""
    _merge_short_given_names(candidates)
    _merge_name_variants(candidates)
    persons = [key for key, candidate in candidates.items() if candidate.kind == "person"]
    fuller: dict[tuple[str, ...], set[str]] = defaultdict(set)  # a shorter form -> the fuller names it may stand for
    for key in (key for key in persons if key not in only_listed):
        words = tuple(person_words(key))
        for size in range(1, len(words)):
            fuller[words[-size:]].add(key)
        if len(words) > 1:
            fuller[words[:1]].add(key)
    for key in sorted(persons, key=lambda name: -len(name.split())):
        owners = [other for other in fuller.get(tuple(person_words(key)), ()) if other in candidates]
        if len(owners) == 1:
            _join(candidates, key, owners[0])
    surnames: dict[str, list[str]] = defaultdict(list)
    for key in persons:
        if key in candidates and " " in key:
            surnames[person_words(key)[-1]].append(key)
    for key in [key for key, candidate in candidates.items() if candidate.kind in ("organization", "group") and " " not in key]:
        if len(surnames.get(key, [])) == 1:  # "Braun", taken for an organization, after "Mike Braun"
            _join(candidates, key, surnames[key][0])
    organizations = {acronym(key.split()): key for key, candidate in candidates.items()
                     if candidate.kind == "organization" and len(key.split()) > 1}
    for key in [key for key, candidate in candidates.items() if candidate.kind == "organization" and key.isupper()]:
        owner = organizations.get(key.replace(".", ""))  # "UN" or "U.N." before "United Nations"
        if owner not in (None, key):
            _join(candidates, key, owner)


def _merge_short_given_names(candidates: dict[str, Candidate]) -> None:
    """ "Don Trump Jr" joins "Donald Trump Jr.": the same surname and rest, and one other given name that starts
    with it (sorted given names put those next to it, so this stays linear in the people named)."""
    by_rest: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
    for key, candidate in candidates.items():
        words = person_words(key)
        if candidate.kind == "person" and len(words) > 1:
            by_rest[tuple(words[1:])].append((words[0], key))
    for names in by_rest.values():
        names.sort()
        given_names = [given for given, _ in names]
        for given, short in names:
            after = bisect_right(given_names, given)
            if len(given) >= 3 and bisect_left(given_names, given + "\U0010ffff") - after == 1:
                longer = names[after][1]
                if short in candidates and longer in candidates:
                    _join(candidates, short, longer)


def _merge_name_variants(candidates: dict[str, Candidate]) -> None:
    """One person under several full forms: "Donald J. Trump" / "Donald Trump", "Barack Hussein Obama" / "Barack
    Obama", "Robert S. Mueller III" / "Bob Mueller" / "Robert Mueller" (the same given name, a nickname of it, or
    the same name but for middle names and a numeral), and misspellings one letter apart ("Dianna Feinstein" /
    "Dianne Feinstein", "Guiliani" / "Giuliani"). "Jr." and "Sr." keep father and son apart."""
    persons = [key for key, candidate in candidates.items() if candidate.kind == "person"]
    by_plain_name: dict[str, list[str]] = defaultdict(list)
    for key in persons:
        if (plain := _plain_name(key)) is not None:
            by_plain_name[plain].append(key)
    for keys in by_plain_name.values():
        if len({_middle_names(key) for key in keys} - {frozenset()}) <= 1:  # not "George H. W." / "George W."
            _join_all(candidates, keys)
    full_names: dict[str, set[str]] = defaultdict(set)  # a full name, or the surname of one, one letter less
    for key in [key for key in persons if key in candidates and " " in key]:
        words = person_words(key)
        if len(words[0]) >= MIN_MISSPELT_LETTERS:
            for variant in _one_letter_less(key.casefold()):
                full_names[variant].add(key)
        if len(words[-1]) >= MIN_MISSPELT_SURNAME:
            for variant in _one_letter_less(words[-1].casefold()):
                full_names[variant].add(key)
    one_word_organizations = [key for key, candidate in candidates.items()  # "Guiliani", taken for an organization
                              if candidate.kind == "organization" and key.isalpha() and not key.isupper()]
    for key in [key for key in (*persons, *one_word_organizations) if key in candidates]:
        if " " in key and len(person_words(key)[0]) < MIN_MISSPELT_LETTERS or " " not in key and len(key) < MIN_MISSPELT_SURNAME:
            continue
        if (owner := _one_owner(key, full_names, candidates)) is not None:
            _join_all(candidates, [key, owner])


def _one_owner(key: str, full_names: dict[str, set[str]], candidates: dict[str, Candidate]) -> str | None:
    """The one other full name one letter from `key` (or whose surname is), None if none or several."""
    owner = None
    for variant in _one_letter_less(key.casefold()):
        for other in full_names.get(variant, ()):
            if other != key and other != owner and other in candidates:
                if owner is not None:
                    return None
                owner = other
    return owner


def _one_letter_less(spelling: str) -> list[str]:
    """The spelling and every spelling with one letter left out: two spellings one substitution, insertion or
    swap apart share one of these."""
    return [spelling, *(spelling[:index] + spelling[index + 1:] for index in range(len(spelling)))]


def _plain_name(key: str) -> str | None:
    """A full name's given name (a nickname's full form) and surname, with "Jr."/"Sr." but without middle names
    and numerals; None for a one-word name."""
    words = [word.casefold() for word in person_words(key)]
    suffix = [words.pop()] if len(words) > 2 and words[-1] in ("jr", "sr") else []
    if len(words) > 2 and words[-1] in GENERATION_NUMERALS:
        words.pop()
    if len(words) < 2:
        return None
    return " ".join([NICKNAMES.get(words[0], words[0]), words[-1], *suffix])


def _middle_names(key: str) -> frozenset[str]:
    """The words between a full name's given name and surname, numerals and "Jr." left out."""
    words = [word.casefold() for word in person_words(key)]
    while len(words) > 2 and words[-1] in ("jr", "sr", *GENERATION_NUMERALS):
        words.pop()
    return frozenset(words[1:-1])


def _join_all(candidates: dict[str, Candidate], keys: list[str]) -> None:
    """Merge these people into the one with the fullest name (most mentions on a tie)."""
    keys = [key for key in keys if key in candidates]
    if len(keys) < 2:
        return
    owner = max(keys, key=lambda key: (len(key.split()), len(candidates[key].mentions), key))
    for key in keys:
        if key != owner:
            _join(candidates, key, owner)


def person_words(name: str) -> list[str]:
    return [word.rstrip(".") for word in name.split()]


def _join(candidates: dict[str, Candidate], key: str, owner_key: str) -> None:
    owner = candidates[owner_key]
    owner.names.update(candidates[key].names)
    owner.mentions += candidates.pop(key).mentions
