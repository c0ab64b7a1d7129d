"""Outlets: the name an article's outlet goes by, and its MBFC-derived factuality and bias ratings.

The ratings table (`outlet_ratings.tsv`, provenance in `OUTLET_RATINGS.md`) holds the 2020 (ACL) and 2018
(EMNLP) snapshots of Baly et al.'s News-Media-Reliability corpora, which took them from Media Bias/Fact Check.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from propaganda_lens.data import Article, Outlet, OutletRating

RATINGS_SOURCE = "Media Bias/Fact Check, via Baly et al."


def domain_of(url: str | None) -> str | None:
    """The host of an http(s) URL, lower-cased and without `www.`; None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host.rstrip(".").removeprefix("www.") or None


def outlet_of(site: str | None, url: str | None) -> str | None:
    """The outlet an article belongs to: its URL's domain, else the site named in its metadata."""
    domain = domain_of(url)
    if domain:
        return domain
    site = (site or "").strip()
    return domain_of(site) or (site.lower().removeprefix("www.") if site else None)


@lru_cache(maxsize=1)
def _ratings_table() -> dict[str, tuple[OutletRating, ...]]:
    table: dict[str, list[OutletRating]] = {}
    path = resources.files("propaganda_lens") / "enrich" / "outlet_ratings.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            year = int(row["year"])
            rating = OutletRating(row["factuality"], row["bias"], year, f"{RATINGS_SOURCE} {year}", row["mbfc_page"])
            table.setdefault(row["domain"], []).append(rating)
    return {domain: tuple(sorted(ratings, key=lambda r: -r.year)) for domain, ratings in table.items()}


def ratings_of(outlet: str | None) -> tuple[OutletRating, ...]:
    """The ratings of an outlet's domain or of the nearest parent domain rated (edition.cnn.com -> cnn.com),
    newest first; empty when not rated."""
    if not outlet:
        return ()
    table = _ratings_table()
    labels = outlet.lower().removeprefix("www.").split(".")
    for first in range(len(labels) - 1):
        found = table.get(".".join(labels[first:]))
        if found:
            return found
    return ()


def outlet_of_article(article: Article, name: str | None = None) -> Outlet:
    """The article's outlet (`name` when known otherwise, else from its URL or site) and its ratings."""
    name = name or outlet_of(article.metadata.site, article.metadata.url)
    return Outlet(name, list(ratings_of(name)))


def describe_outlet(outlet: Outlet) -> str:
    """One line for a report header: the outlet and its ratings with source and year, or "not rated"."""
    name = outlet.name or "Outlet unknown"
    if not outlet.ratings:
        return f"{name}: not rated"
    ratings = "; ".join(f"{r.factuality} factuality, {r.bias} bias ({r.source})" for r in outlet.ratings)
    return f"{name}: {ratings}"
