"""`corpus stats`: articles, spans, density, coverage and technique mix per outlet, technique or month."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from propaganda_lens.corpus.reviews import reviewed_articles, spans_shown
from propaganda_lens.corpus.store import AnalysisRow, ArticleRow, FailureRow, ModelRow, SpanRow, snapshot
from propaganda_lens.data import Span
from propaganda_lens.enrich.outlets import ratings_of
from propaganda_lens.enrich.summary import character_weights

UNKNOWN_OUTLET = "(unknown outlet)"
UNDATED = "(undated)"
GROUPINGS = ("outlet", "technique", "month")


@dataclass
class ArticleFacts:
    """One analyzed article as the statistics see it."""

    id: int
    name: str
    title: str | None
    outlet: str
    month: str
    words: int
    chars: int
    covered: int  # characters inside at least one span
    techniques: Counter = field(default_factory=Counter)  # spans per technique
    technique_chars: Counter = field(default_factory=Counter)  # characters of those spans
    reviewed: bool = False  # counted from its spans reviewed where reviewed, else the model's


@dataclass
class GroupStats:
    key: dict[str, str]
    articles: int = 0
    spans: int = 0
    words: int = 0
    chars: int = 0
    covered: int = 0
    techniques: Counter = field(default_factory=Counter)
    reviewed: int = 0  # articles counted from their reviewed spans

    @property
    def spans_per_1000_words(self) -> float:
        return 1000 * self.spans / self.words if self.words else 0.0

    @property
    def covered_share(self) -> float:
        return self.covered / self.chars if self.chars else 0.0

    def mix(self) -> dict[str, float]:
        """Each technique's share of the group's spans, largest first."""
        total = sum(self.techniques.values())
        return {technique: count / total for technique, count in self.techniques.most_common()} if total else {}


class NoAnalyses(LookupError):
    """The database holds no analysis by the chosen model version."""


def corpus_facts(session: Session, version: str, reviewed: dict[int, list[Span]] | None = None) -> list[ArticleFacts]:
    """Every article analyzed by `version`, with its span counts and lengths per technique (for an article of
    `reviewed`, those of its reviewed spans: see reviews.reviewed_articles). The reads must see one state of
    the database: give a session of store.snapshot."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.name, ArticleRow.title, ArticleRow.outlet, ArticleRow.published,
               ArticleRow.words, func.length(ArticleRow.text), AnalysisRow.covered_chars)
        .join(AnalysisRow, AnalysisRow.article_id == ArticleRow.id)
        .where(AnalysisRow.model_version == version).order_by(ArticleRow.id)
    ).all()
    facts = {
        row[0]: ArticleFacts(row[0], row[1], row[2], row[3] or UNKNOWN_OUTLET, (row[4] or "")[:7] or UNDATED,
                             row[5], row[6], row[7])
        for row in rows
    }
    counts = session.execute(
        select(AnalysisRow.article_id, SpanRow.technique, func.count(), func.sum(SpanRow.end - SpanRow.start))
        .join(SpanRow, SpanRow.analysis_id == AnalysisRow.id)
        .where(AnalysisRow.model_version == version, SpanRow.technique.is_not(None))
        .group_by(AnalysisRow.article_id, SpanRow.technique)
    ).all()
    for article_id, technique, count, chars in counts:
        facts[article_id].techniques[technique] = count
        facts[article_id].technique_chars[technique] = int(chars)
    with_reviews(list(facts.values()), reviewed or {})
    return list(facts.values())


def with_reviews(facts: list[ArticleFacts], reviewed: dict[int, list[Span]]) -> None:
    """Count each article of `reviewed` (article id: its spans reviewed where reviewed, else the model's) from
    those spans instead of the model's."""
    for article in facts:
        spans = reviewed.get(article.id)
        if spans is None:
            continue
        article.reviewed = True
        article.techniques, article.technique_chars = Counter(), Counter()
        for span in spans:
            if span.technique:
                article.techniques[span.technique] += 1
                article.technique_chars[span.technique] += span.end - span.start
        article.covered = int((character_weights(article.chars, spans) > 0).sum())


def group_stats(facts: list[ArticleFacts], by: tuple[str, ...]) -> list[GroupStats]:
    """Statistics per group. Grouped by technique, a group counts the articles with a span of that technique,
    its spans, their density over all the words of the articles in the other keys' group, and the share of
    text those spans cover."""
    groups: dict[tuple[str, ...], GroupStats] = {}
    totals: dict[tuple[str, ...], list[int]] = {}  # words and chars of every article per non-technique key
    for article in facts:
        base = {"outlet": article.outlet, "month": article.month}
        outer = tuple(base[name] for name in by if name != "technique")
        total = totals.setdefault(outer, [0, 0])
        total[0] += article.words
        total[1] += article.chars
        if "technique" not in by:
            group = groups.setdefault(outer, GroupStats(dict(zip(by, outer))))
            group.articles += 1
            group.reviewed += article.reviewed
            group.spans += sum(article.techniques.values())
            group.covered += article.covered
            group.techniques.update(article.techniques)
            continue
        for technique, count in article.techniques.items():
            key = {**base, "technique": technique}
            values = tuple(key[name] for name in by)
            group = groups.setdefault(values, GroupStats({name: key[name] for name in by}))
            group.articles += 1
            group.reviewed += article.reviewed
            group.spans += count
            group.covered += article.technique_chars[technique]
            group.techniques[technique] += count
    for group in groups.values():
        outer = tuple(group.key[name] for name in by if name != "technique")
        group.words, group.chars = totals[outer]
    def order(group: GroupStats) -> tuple:
        """Months in time order (undated last) and otherwise the densest first, within the outer keys."""
        outer = tuple((value == UNDATED, value) if name == "month" else value
                      for name, value in group.key.items() if name != by[-1] or name == "month")
        return (*outer, -group.spans_per_1000_words, tuple(group.key.values()))

    return sorted(groups.values(), key=order)


def technique_precision(session: Session, version: str) -> dict[str, float]:
    model = session.get(ModelRow, version)
    return dict(model.technique_precision) if model else {}


def failure_count(session: Session) -> dict[str, int]:
    return dict(session.execute(select(FailureRow.stage, func.count()).group_by(FailureRow.stage)).all())


def stats_report(sessions: sessionmaker, version: str, by: tuple[str, ...], reviewed: bool = False) -> dict:
    """The statistics as one JSON-ready dict: groups, the model's dev precision per technique, failures;
    read in one snapshot of the database. `reviewed`: count the spans reviewed where reviewed, else the model's."""
    with snapshot(sessions) as session:
        facts = corpus_facts(session, version, reviewed_articles(session, version) if reviewed else None)
        precision, failures = technique_precision(session, version), failure_count(session)
    if not facts:
        raise NoAnalyses(version)
    groups = []
    for group in group_stats(facts, by):
        entry = {
            **group.key,
            "articles": group.articles,
            "spans": group.spans,
            "words": group.words,
            "spans_per_1000_words": round(group.spans_per_1000_words, 3),
            "covered_share": round(group.covered_share, 4),
            "technique_mix": {technique: round(share, 4) for technique, share in group.mix().items()},
            **({"reviewed": group.reviewed} if reviewed else {}),
        }
        if "outlet" in group.key:
            entry["ratings"] = [
                asdict(rating) for rating in ratings_of(None if group.key["outlet"] == UNKNOWN_OUTLET else group.key["outlet"])
            ]
        groups.append(entry)
    return {
        "model": version,
        "spans": spans_shown(reviewed, sum(article.reviewed for article in facts)),
        "by": list(by),
        "articles": len(facts),
        "technique_precision": precision,
        "failures": failures,
        "groups": groups,
    }
