"""Reviewers' corrections in the corpus (the `reviews` table): stored from corrections files and the server's
API, read back as corrections files, and applied to a model version's stored spans ("reviewed where
reviewed, else model"). They never change the stored spans.

Each decision is stored once: the same article, model version, span, action, technique, reviewer and time
imported again is counted as already stored. Read back, an article's decisions come in the order of their
time (then of storing), so that the latest decision on a span is the one applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from propaganda_lens.corpus.run import article_of_row
from propaganda_lens.corpus.store import (
    REVIEWER_CHARS, TIME_CHARS, VERSION_CHARS, AnalysisRow, ArticleRow, ReviewRow, SpanRow, snapshot, writing,
)
from propaganda_lens.data import Article, Correction, Span, text_sha256
from propaganda_lens.review.corrections import ArticleCorrections, check_against, reviewed_spans
from propaganda_lens.review.formats import Annotated, ReviewTask, corrections_from_annotation


@dataclass
class StoreResult:
    stored: int = 0
    already_stored: int = 0  # the same decisions, stored before
    problems: list[str] = field(default_factory=list)  # one line per correction or article entry left out


def version_reviewed(model: str | None, chosen: str) -> str | None:
    """The model version whose spans an entry's corrections were made on: its `model` when that is a version
    (name@digest, as `corpus review export` writes it); else `chosen` (the version of --model, or the one the
    server serves) when the entry names no model or that model by name (as a standalone report does); None
    when it names another model."""
    if model and "@" in model:
        return model
    if not model or model == chosen.partition("@")[0]:
        return chosen
    return None


def decision_problem(reviewer: str, time: str) -> str | None:
    """Why a decision cannot be stored (a name or time too long, a time that is not ISO 8601), or None."""
    if len(reviewer) > REVIEWER_CHARS:
        return f"the reviewer's name is over {REVIEWER_CHARS} characters"
    if len(time) > TIME_CHARS:
        return f"time {time[:TIME_CHARS]!r}… is over {TIME_CHARS} characters"
    if time:
        try:
            datetime.fromisoformat(time)
        except ValueError:
            return f"time {time!r} is not an ISO 8601 date and time"
    return None


def store_item(session: Session, article: ArticleRow, item: ArticleCorrections, version: str, reviewer: str,
               result: StoreResult) -> None:
    """Store one entry's corrections of `article` under `version`, each unless the same decision is stored;
    `reviewer` names the reviewer of corrections that name none."""
    kept, problems = check_against(item, article.text)
    result.problems += problems
    dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(session.get_bind().dialect.name)
    for correction in kept:
        row = {"article_id": article.id, "model_version": version, "action": correction.action,
               "start": correction.start, "end": correction.end, "technique": correction.technique,
               "model_technique": correction.model_technique or "", "reviewer": correction.reviewer or reviewer,
               "time": correction.time}
        problem = decision_problem(row["reviewer"], row["time"])
        if problem:
            result.problems.append(f"article {item.article!r}: span [{correction.start}, {correction.end}): {problem}")
            continue
        if dialect_insert is not None:
            statement = dialect_insert(ReviewRow.__table__).values(row).on_conflict_do_nothing()
            inserted = int(session.execute(statement.returning(ReviewRow.__table__.c.id)).first() is not None)
        else:  # another database: look first, inside the write transaction
            same = and_(*(getattr(ReviewRow, name) == value for name, value in row.items()))
            inserted = 0 if session.scalar(select(exists().where(same))) else 1
            if inserted:
                session.execute(insert(ReviewRow.__table__).values(row))
        result.stored += inserted
        result.already_stored += 1 - inserted


def import_corrections(sessions: sessionmaker, items: list[ArticleCorrections], chosen_version: str,
                       reviewer: str = "") -> StoreResult:
    """Store the corrections of each entry whose text the corpus holds (found by its SHA-256), in one
    transaction; every entry or correction left out gets one line in the result's problems."""
    result = StoreResult()
    with writing(sessions) as session:
        for item in items:
            where = f"article {item.article!r}"
            article = session.scalar(select(ArticleRow).where(ArticleRow.content_hash == item.text_sha256))
            if article is None:
                result.problems.append(
                    f"{where}: no stored article has the text it was reviewed on (SHA-256 {item.text_sha256[:12]}…): "
                    f"the text changed or was never added; its {len(item.corrections)} corrections are left out")
                continue
            version = version_reviewed(item.model, chosen_version)
            if version is not None and len(version) > VERSION_CHARS:
                result.problems.append(f"{where}: the model version {version[:40]!r}… is over {VERSION_CHARS} "
                                       f"characters; its {len(item.corrections)} corrections are left out")
                continue
            if version is None:
                result.problems.append(
                    f"{where}: reviewed on the spans of model {item.model!r}, not {chosen_version}; give that model "
                    f"with --model; its {len(item.corrections)} corrections are left out")
                continue
            store_item(session, article, item, version, reviewer, result)
    return result


def correction_of_row(row: ReviewRow) -> Correction:
    return Correction(row.action, row.start, row.end, row.technique, row.model_technique or None, row.reviewer,
                      row.time)


def corrections_of(session: Session, article_ids: list[int] | None, version: str | None) -> dict[tuple[int, str], list[Correction]]:
    """Per (article id, model version): its stored corrections, in the order of their time, then of storing;
    only those of `article_ids` and of `version` when given."""
    query = select(ReviewRow).order_by(ReviewRow.article_id, ReviewRow.model_version, ReviewRow.time, ReviewRow.id)
    if article_ids is not None:
        query = query.where(ReviewRow.article_id.in_(article_ids))
    if version is not None:
        query = query.where(ReviewRow.model_version == version)
    found: dict[tuple[int, str], list[Correction]] = {}
    for row in session.scalars(query):
        found.setdefault((row.article_id, row.model_version), []).append(correction_of_row(row))
    return found


def corrections_in(sessions: sessionmaker, model_version: str | None = None) -> list[tuple[Article, ArticleCorrections]]:
    """Every article with stored corrections, with those of each model version (of `model_version` only, when
    given) as a corrections file's entry; read in one snapshot of the database."""
    with snapshot(sessions) as session:
        found = corrections_of(session, None, model_version)
        articles = {row.id: row for row in session.scalars(
            select(ArticleRow).where(ArticleRow.id.in_({article_id for article_id, _ in found})))}
    return [(article_of_row(articles[article_id]),
             ArticleCorrections(articles[article_id].name, articles[article_id].content_hash, corrections, model=version))
            for (article_id, version), corrections in found.items()]


def article_corrections(session: Session, article: ArticleRow, version: str) -> ArticleCorrections:
    """The corrections file entry of one article's corrections of `version` (none stored: no corrections)."""
    corrections = corrections_of(session, [article.id], version).get((article.id, version), [])
    return ArticleCorrections(article.name, article.content_hash, corrections, model=version)


def reviewed_corrections(sessions: sessionmaker, article: ArticleRow, version: str) -> list[Correction]:
    """One article's stored corrections of `version`'s spans."""
    with sessions() as session:
        return article_corrections(session, article, version).corrections


def model_spans(session: Session, article_ids: list[int], version: str) -> dict[int, list[Span]]:
    """Per article among `article_ids` analyzed by `version`: the spans it stored, ordered by position."""
    rows = session.execute(
        select(AnalysisRow.article_id, SpanRow).join(SpanRow, SpanRow.analysis_id == AnalysisRow.id)
        .where(AnalysisRow.model_version == version, AnalysisRow.article_id.in_(article_ids))
        .order_by(AnalysisRow.article_id, SpanRow.start, SpanRow.end, SpanRow.id)
    ).all()
    spans: dict[int, list[Span]] = {}
    for article_id, row in rows:
        spans.setdefault(article_id, []).append(row.span())
    return spans



def reviewed_ids(version: str) -> Select:
    """The ids of the articles analyzed by `version` that have corrections of its spans."""
    analyzed = select(AnalysisRow.article_id).where(AnalysisRow.model_version == version)
    return select(ReviewRow.article_id).distinct().where(ReviewRow.model_version == version,
                                                         ReviewRow.article_id.in_(analyzed))


def reviewed_article_count(sessions: sessionmaker, version: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(reviewed_ids(version).subquery()))


def reviewed_articles(session: Session, version: str) -> dict[int, list[Span]]:
    """Per article analyzed by `version` that has corrections of it: its spans reviewed where reviewed, else
    the model's."""
    ids = list(session.scalars(reviewed_ids(version)))
    corrections = corrections_of(session, ids, version)
    spans = model_spans(session, ids, version)
    return {article_id: reviewed_spans(spans.get(article_id, []), corrections[article_id, version]) for article_id in ids}


def review_tasks(sessions: sessionmaker, version: str) -> list[ReviewTask]:
    """Every article analyzed by `version`, with the spans it stored, to review in an annotation tool."""
    with snapshot(sessions) as session:
        articles = list(session.scalars(select(ArticleRow).join(AnalysisRow, AnalysisRow.article_id == ArticleRow.id)
                                        .where(AnalysisRow.model_version == version).order_by(ArticleRow.id)))
        spans = model_spans(session, [article.id for article in articles], version)
    return [ReviewTask(article.name, article.text, spans.get(article.id, []), version) for article in articles]


def stored_text(sessions: sessionmaker, name: str) -> str | None:
    """The text of the one stored article with this Article id; None when there is none, or several."""
    with sessions() as session:
        texts = session.scalars(select(ArticleRow.text).where(ArticleRow.name == name).limit(2)).all()
    return texts[0] if len(texts) == 1 else None


def annotation_corrections(sessions: sessionmaker, annotated: list[Annotated], version: str, reviewer: str,
                           time: str) -> list[ArticleCorrections]:
    """Each annotated article as a corrections file's entry: the corrections that turn the spans `version`
    stored for the article with that text into the annotated ones (an article the corpus lacks: all added,
    and import_corrections names it). `reviewer` names the reviewer where the tool names none."""
    digests = [text_sha256(item.text) for item in annotated]
    with snapshot(sessions) as session:
        article_ids = dict(session.execute(select(ArticleRow.content_hash, ArticleRow.id)
                                           .where(ArticleRow.content_hash.in_(set(digests)))).all())
        spans = model_spans(session, list(article_ids.values()), version)
    return [ArticleCorrections(item.article, digest, corrections_from_annotation(
                spans.get(article_ids.get(digest), []), item.spans, item.reviewer or reviewer, time), model=version)
            for item, digest in zip(annotated, digests)]


def spans_shown(reviewed: bool, reviewed_count: int) -> str:
    """What an output's spans are, in its own words."""
    if not reviewed:
        return "model"
    return f"reviewed where reviewed ({reviewed_count} article{'s' if reviewed_count != 1 else ''} reviewed), else model"
