"""Page metadata cleaned of the site's own name: titles without "… | Site" or "Opinion | …", authors that are
people ("Finian Cunningham", not "Finian Cunningham Sputnik International" or "The Russian; Syrian defense
ministries")."""

from __future__ import annotations

import re

_BAR = re.compile(r"\s+[|｜]\s+")
_DASH = re.compile(r"\s+[-–—:]\s+")
_SECTION = re.compile(r"(?:opinion|editorial|analysis|commentary|op-ed|news|exclusive|breaking|video|watch)",
                      re.IGNORECASE)
_AUTHORS = re.compile(r"\s*(?:;|,|\band\b|&)\s*")
_PARTICLES = frozenset({"de", "da", "del", "der", "di", "du", "la", "le", "van", "von", "bin", "ibn", "al", "el", "y"})
_ORGANIZATION_WORDS = frozenset({"international", "news", "media", "press", "agency", "times", "post", "network",
                                 "tv", "radio", "staff", "reporters", "desk", "editors", "wire", "online"})


def _same_name(part: str, site: str | None, prefix: bool = False) -> bool:
    """Whether `part` is the site's name (or its domain's first label); with `prefix`, or starts with it."""
    simple = re.sub(r"[^a-z0-9]", "", part.lower())
    if not site or not simple:
        return False
    names = {re.sub(r"[^a-z0-9]", "", site.lower()), re.sub(r"[^a-z0-9]", "", site.lower().split(".")[0])} - {""}
    return simple in names or (prefix and any(simple.startswith(name) for name in names))


def clean_title(title: str | None, site: str | None = None) -> str | None:
    """The title without the site's name or a section label: of parts split by " | ", the longest one that is not
    a section or the site; a " - Site" suffix or "Site: " prefix only when it is the site's name."""
    if not title or not title.strip():
        return None
    title = " ".join(title.split())
    parts = [part for part in _BAR.split(title) if not _SECTION.fullmatch(part) and not _same_name(part, site)]
    title = max(parts, key=len) if parts else title
    pieces = _DASH.split(title)
    if len(pieces) > 1 and _same_name(pieces[-1], site, prefix=True):
        title = title[:title.rindex(pieces[-1])].rstrip(" -–—:")
    elif len(pieces) > 1 and _same_name(pieces[0], site):
        title = title[len(pieces[0]):].lstrip(" -–—:")
    return title or None


def _person(name: str, site: str | None) -> str | None:
    """The person a byline part names, or None when it names none."""
    name = re.sub(r"^(?:by|written by)\s+", "", name.strip(), flags=re.IGNORECASE).strip(" .,")
    words = name.split()
    if site:
        site_words = site.split()
        if len(words) > len(site_words) and [w.lower() for w in words[-len(site_words):]] == \
                [w.lower() for w in site_words]:
            words = words[:-len(site_words)]
    if len(words) > 2 and words[-1].lower() in _ORGANIZATION_WORDS:
        words = words[:2]  # "Finian Cunningham Sputnik International": the name, then the outlet
    if not 1 <= len(words) <= 4 or words[0].lower() in ("the", "a", "an") or _same_name(name, site):
        return None
    if not all(word[:1].isupper() or word.lower() in _PARTICLES for word in words):
        return None
    if any(word.lower() in _ORGANIZATION_WORDS for word in words):
        return None
    return " ".join(words)


def clean_author(author: str | None, site: str | None = None) -> str | None:
    """The people a byline names, joined by "; ", without the site's name; None when it names no person."""
    if not author:
        return None
    people = [person for part in _AUTHORS.split(author) if part.strip() and (person := _person(part, site))]
    unique = list(dict.fromkeys(people))
    return "; ".join(unique) or None
