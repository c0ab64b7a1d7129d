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
    """The outlet an article belongs to: its URL's domain, else the site named in its metadata (a domain without
    `www.`, a name as the page spells it)."""
    domain = domain_of(url)
    if domain:
        return domain
    site = " ".join((site or "").split())
    return domain_of(site) or (site.removeprefix("www.") if site else None)


# A site's only rated path stands for the whole site when it is one of these generic sections (an edition or the
# news front page, rt.com/news), never when it names one publication of several (theguardian.com/observer).
GENERIC_SECTIONS = frozenset({"news", "sections/news", "en", "english", "us", "ushome", "international", "h", "amp"})


@lru_cache(maxsize=1)
def _ratings_table() -> dict[str, dict[str, tuple[OutletRating, ...]]]:
    """host -> path prefix ("" for the whole site) -> ratings, newest first."""
    table: dict[str, dict[str, list[OutletRating]]] = {}
    path = resources.files("propaganda_lens") / "enrich" / "outlet_ratings.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            year = int(row["year"])
            rating = OutletRating(row["factuality"], row["bias"], year, f"{RATINGS_SOURCE} {year}", row["mbfc_page"])
            table.setdefault(row["host"], {}).setdefault(row["path"], []).append(rating)
    return {host: {prefix: tuple(sorted(ratings, key=lambda r: -r.year)) for prefix, ratings in paths.items()}
            for host, paths in table.items()}


def _rated_path(paths: dict[str, tuple[OutletRating, ...]], path: str) -> tuple[OutletRating, ...]:
    """The ratings of the longest rated path prefix of `path`, else of a site whose only rated path is generic."""
    segments = [segment for segment in path.lower().split("/") if segment]
    for length in range(len(segments), -1, -1):
        found = paths.get("/".join(segments[:length]))
        if found:
            return found
    if len(paths) == 1 and next(iter(paths)) in GENERIC_SECTIONS:
        return next(iter(paths.values()))
    return ()


def ratings_of(outlet: str | None) -> tuple[OutletRating, ...]:
    """The ratings of an article URL or an outlet domain, newest first, empty when not rated: matched by host,
    or the nearest parent domain rated (edition.cnn.com -> cnn.com), and the longest rated path prefix."""
    if not outlet:
        return ()
    outlet = outlet.strip()
    host, path = outlet.lower(), ""
    if "://" in outlet:
        host = domain_of(outlet) or ""
        try:
            path = urlsplit(outlet).path
        except ValueError:
            return ()
    table = _ratings_table()
    labels = host.removeprefix("www.").split(".")
    for first in range(len(labels) - 1):
        paths = table.get(".".join(labels[first:]))
        if paths and (found := _rated_path(paths, path)):
            return found
    return ()


def outlet_of_article(article: Article, name: str | None = None) -> Outlet:
    """The article's outlet and its ratings: `name` when known otherwise, else the name the page gives itself
    (its site name), else its URL's domain; rated from its URL (host and path), else from that name."""
    metadata = article.metadata
    site = (metadata.site or "").strip()
    is_domain = "." in site and " " not in site
    name = name or (site if site and not is_domain else outlet_of(metadata.site, metadata.url))
    ratings = ratings_of(metadata.url if domain_of(metadata.url) else outlet_of(metadata.site, None))
    return Outlet(name, list(ratings))


def describe_outlet(outlet: Outlet) -> str:
    """One line for a report header: the outlet and its ratings with source and year, or "not rated"."""
    name = outlet.name or "Outlet unknown"
    if not outlet.ratings:
        return f"{name}: not rated"
    ratings = "; ".join(f"{r.factuality} factuality, {r.bias} bias ({r.source})" for r in outlet.ratings)
    return f"{name}: {ratings}"
