"""`corpus report`: one self-contained HTML dashboard of a corpus (Chart.js bundled inline, no request)."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.corpus.reviews import spans_shown
from propaganda_lens.corpus.stats import UNKNOWN_OUTLET, ArticleFacts, NoAnalyses, corpus_facts, technique_precision
from propaganda_lens.corpus.store import ActorRow, AnalysisRow, ArticleRow, SpanRow
from propaganda_lens.data import TECHNIQUES, Span
from propaganda_lens.enrich.outlets import ratings_of

PHRASE_TECHNIQUES = ("Loaded_Language", "Name_Calling,Labeling")  # whose repeated wording the dashboard lists
FRAMING_TECHNIQUES = ("Name_Calling,Labeling", "Loaded_Language")  # who is framed how: the actors named beside them
MAX_PHRASE_CHARS = 80

_environment = Environment(loader=PackageLoader("propaganda_lens.corpus", "templates"),
                           autoescape=select_autoescape(["html", "j2"]))


def normalized_phrase(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .,;:!?\"'“”‘’()[]")


def phrase_rows(
    session: Session, version: str, index_of: dict[int, int], reviewed: dict[int, list[Span]] | None = None
) -> tuple[list[str], list[list[int]]]:
    """The loaded and name-calling phrases that occur in two or more articles, and per occurrence
    [article index, phrase index, technique index]: the page counts them under its filters. An article of
    `reviewed` counts its reviewed spans."""
    reviewed = reviewed or {}
    rows = [row for row in session.execute(
        select(AnalysisRow.article_id, SpanRow.text, SpanRow.technique).join(SpanRow, SpanRow.analysis_id == AnalysisRow.id)
        .where(AnalysisRow.model_version == version, SpanRow.technique.in_(PHRASE_TECHNIQUES))
    ) if row[0] not in reviewed]
    texts = dict(session.execute(select(ArticleRow.id, ArticleRow.text).where(ArticleRow.id.in_(reviewed))).all())
    rows += [(article_id, span.text_in(texts[article_id]), span.technique)
             for article_id, spans in reviewed.items() for span in spans if span.technique in PHRASE_TECHNIQUES]
    occurrences = [(article_id, normalized_phrase(text[: MAX_PHRASE_CHARS * 2])[:MAX_PHRASE_CHARS], technique)
                   for article_id, text, technique in rows]
    articles_of: dict[str, set[int]] = {}
    for article_id, phrase, _ in occurrences:
        articles_of.setdefault(phrase, set()).add(article_id)
    phrases = sorted(phrase for phrase, articles in articles_of.items() if phrase and len(articles) >= 2)
    number = {phrase: index for index, phrase in enumerate(phrases)}
    return phrases, [[index_of[article_id], number[phrase], TECHNIQUES.index(technique)]
                     for article_id, phrase, technique in occurrences if phrase in number]


def framing_rows(session: Session, version: str, index_of: dict[int, int]) -> tuple[list[list[str]], list[list[int]]]:
    """The actors named in a sentence with a name-calling or loaded-language span, as [name, kind], and per
    article that names one [article index, actor index, name-calling spans, loaded-language spans] (the spans
    of those techniques in the sentences that name the actor, as the actors stage counted them)."""
    rows = session.execute(
        select(AnalysisRow.article_id, ActorRow.name, ActorRow.kind, ActorRow.techniques)
        .join(ActorRow, ActorRow.analysis_id == AnalysisRow.id).where(AnalysisRow.model_version == version)
    ).all()
    counted = [(article_id, (name, kind), [int((techniques or {}).get(t, 0)) for t in FRAMING_TECHNIQUES])
               for article_id, name, kind, techniques in rows]
    counted = [row for row in counted if any(row[2])]
    actors = sorted({actor for _, actor, _ in counted})
    number = {actor: index for index, actor in enumerate(actors)}
    return [list(actor) for actor in actors], [[index_of[article_id], number[actor], *counts]
                                                for article_id, actor, counts in counted]


def dashboard_data(session: Session, version: str, facts: list[ArticleFacts] | None = None,
                   reviewed: dict[int, list[Span]] | None = None) -> dict:
    """Everything the page draws, compact: it filters and aggregates in the browser; with `reviewed` (see
    reviews.reviewed_articles), the reviewed articles' spans where reviewed. All reads must see one state of the
    database: give a session of store.snapshot (and `facts` read in it, with the same `reviewed`)."""
    facts = facts if facts is not None else corpus_facts(session, version, reviewed)
    if not facts:
        raise NoAnalyses(version)
    index_of = {article.id: index for index, article in enumerate(facts)}
    phrases, occurrences = phrase_rows(session, version, index_of, reviewed)
    actors, framing = framing_rows(session, version, index_of)
    outlets = sorted({article.outlet for article in facts})
    outlet_index = {outlet: index for index, outlet in enumerate(outlets)}
    return {
        "model": version,
        "spans": spans_shown(reviewed is not None, sum(article.reviewed for article in facts)),
        "techniques": [{"label": t, "name": CATALOGUE[t].name, "color": CATALOGUE[t].color} for t in TECHNIQUES],
        "precision": technique_precision(session, version),
        "outlets": outlets,
        "ratings": {
            outlet: [{"factuality": r.factuality, "bias": r.bias, "year": r.year, "source": r.source}
                     for r in ratings_of(None if outlet == UNKNOWN_OUTLET else outlet)]
            for outlet in outlets
        },
        # id, title, outlet index, month, words, chars, covered chars, spans per technique index
        "articles": [
            [a.id, a.title or a.name, outlet_index[a.outlet], a.month, a.words, a.chars, a.covered,
             {TECHNIQUES.index(t): count for t, count in a.techniques.items()}]
            for a in facts
        ],
        "phrases": phrases,
        "occurrences": occurrences,
        "framing_techniques": [TECHNIQUES.index(technique) for technique in FRAMING_TECHNIQUES],
        "actors": actors,
        "framing": framing,
    }


def render_dashboard(data: dict, report_link: Callable[[int], str | None]) -> str:
    """The page; `report_link(article id)` gives the href of an article's own report, or None."""
    links = {article[0]: report_link(article[0]) for article in data["articles"]}
    payload = json.dumps({**data, "links": {k: v for k, v in links.items() if v}}, ensure_ascii=False)
    static = resources.files("propaganda_lens.corpus") / "static"
    chart_js, page_js = ((static / name).read_text(encoding="utf-8").replace("</script", "<\\/script")
                         for name in ("chart.umd.min.js", "dashboard.js"))
    return _environment.get_template("dashboard.html.j2").render(
        # In a <script> element only "</" can end it early: escape every "<".
        data=payload.replace("<", "\\u003c"), chart_js=chart_js, page_js=page_js, model=data["model"],
        article_count=len(data["articles"]), spans=data["spans"],
    )


def densest_ids(facts: list[ArticleFacts], count: int) -> list[int]:
    """The articles with the most spans per 1,000 words."""
    ranked = sorted(facts, key=lambda a: -(1000 * sum(a.techniques.values()) / a.words if a.words else 0))
    return [article.id for article in ranked[:count]]


def report_folder(output: Path) -> Path:
    return output.with_name(output.stem + "-articles")
