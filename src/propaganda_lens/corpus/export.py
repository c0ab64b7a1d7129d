"""`corpus export`: the corpus's analyses by one model version as JSON Lines (the `analyze` JSON model, one
analysis per line), CSV or Parquet (one row per span, with its article's metadata), or PTC label rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from propaganda_lens.corpus import ExportFormat
from propaganda_lens.corpus.reviews import corrections_of
from propaganda_lens.corpus.run import article_of_row
from propaganda_lens.corpus.store import ActorRow, AnalysisRow, ArticleRow, ModelRow, RelationRow, SpanRow, StatementRow
from propaganda_lens.data import Actor, Analysis, Relation, Span, Statement
from propaganda_lens.enrich import enrich
from propaganda_lens.files import atomic_path, atomic_writer
from propaganda_lens.review.corrections import apply_corrections

CHUNK = 200  # analyses read at a time, so that memory stays bounded on any corpus
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)
SPAN_COLUMNS = ("article_id", "name", "outlet", "date", "title", "url", "start", "end", "technique", "probability", "text")
REVIEW_COLUMN = "review"  # with reviewed spans: the reviewer's decision on the span (accept, relabel, add), "" if none
Actions = dict[tuple[int, int, str | None], str]  # a reviewed article's decisions, by span


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a string that starts like a formula gets a leading
    apostrophe, as OWASP's CSV injection advice says; other values are unchanged."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def analysis_count(sessions: sessionmaker, version: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AnalysisRow).where(AnalysisRow.model_version == version))


def stored_analyses(
    sessions: sessionmaker, version: str, articles: list[int] | None = None
) -> Iterator[tuple[ArticleRow, Analysis]]:
    """(article row, Analysis) for every article analyzed by `version` (or those of `articles` that were),
    rebuilt from the stored spans through the enrich stage, so that it is the same model `analyze` writes."""
    for article_row, analysis, _ in reviewable_analyses(sessions, version, articles):
        yield article_row, analysis


def reviewable_analyses(
    sessions: sessionmaker, version: str, articles: list[int] | None = None, reviewed: bool = False
) -> Iterator[tuple[ArticleRow, Analysis, Actions | None]]:
    """As stored_analyses; with `reviewed`, an article with corrections of `version` has its spans reviewed
    where reviewed, else the model's, a warning that says so, and its decisions by span (other articles: none;
    without `reviewed`: None)."""
    query = select(AnalysisRow.id).where(AnalysisRow.model_version == version).order_by(AnalysisRow.article_id)
    if articles is not None:
        query = query.where(AnalysisRow.article_id.in_(articles))
    with sessions() as session:
        model = session.get(ModelRow, version)
        ids = list(session.scalars(query))
    for first in range(0, len(ids), CHUNK):
        chunk_ids = ids[first : first + CHUNK]
        with sessions() as session:
            rows = session.execute(
                select(AnalysisRow, ArticleRow).join(ArticleRow, ArticleRow.id == AnalysisRow.article_id)
                .where(AnalysisRow.id.in_(chunk_ids)).order_by(AnalysisRow.article_id)
            ).all()
            spans: dict[int, list[Span]] = {}
            for span in session.scalars(select(SpanRow).where(SpanRow.analysis_id.in_(chunk_ids))):
                spans.setdefault(span.analysis_id, []).append(span.span())
            actors: dict[int, list[ActorRow]] = {}
            for actor in session.scalars(select(ActorRow).where(ActorRow.analysis_id.in_(chunk_ids)).order_by(ActorRow.id)):
                actors.setdefault(actor.analysis_id, []).append(actor)
            relations: dict[int, list[RelationRow]] = {}
            for relation in session.scalars(select(RelationRow).where(RelationRow.analysis_id.in_(chunk_ids)).order_by(RelationRow.id)):
                relations.setdefault(relation.analysis_id, []).append(relation)
            statements: dict[int, list[StatementRow]] = {}
            for statement in session.scalars(select(StatementRow).where(StatementRow.analysis_id.in_(chunk_ids)).order_by(StatementRow.start)):
                statements.setdefault(statement.analysis_id, []).append(statement)
            corrections = corrections_of(session, [article.id for _, article in rows], version) if reviewed else {}
            for analysis_row, article_row in rows:
                found, actions = spans.get(analysis_row.id, []), {} if reviewed else None
                decisions = corrections.get((article_row.id, version))
                if decisions:
                    applied = apply_corrections(found, decisions)
                    found = [item.span for item in applied]
                    actions = {(item.span.start, item.span.end, item.span.technique): item.action or "" for item in applied}
                analysis = rebuilt_analysis(article_row, analysis_row, found, model)
                if decisions:
                    analysis.warnings.append(
                        f"Spans reviewed where reviewed ({len(decisions)} reviewer decisions), else the model's: a "
                        "relabelled or added span has no probability.")
                key = analysis_row.id
                yield article_row, with_structure(analysis, analysis_row, actors.get(key, []), relations.get(key, []),
                                                  statements.get(key, [])), actions


def rebuilt_analysis(article_row: ArticleRow, analysis_row: AnalysisRow, spans: list[Span], model: ModelRow) -> Analysis:
    analysis = enrich(article_of_row(article_row), spans, model.name, dict(model.technique_precision), article_row.outlet)
    analysis.language, analysis.warnings = analysis_row.language, list(analysis_row.warnings)  # as at analysis time
    return analysis


def with_structure(
    analysis: Analysis, analysis_row: AnalysisRow, actors: list[ActorRow], relations: list[RelationRow],
    statements: list[StatementRow],
) -> Analysis:
    """The stored sentence scores, actors, relations and statements put back into a rebuilt analysis."""
    scores = list(analysis_row.checkworthiness or [])
    if len(scores) == len(analysis.sentences):
        analysis.sentences = [replace(sentence, checkworthiness=score) for sentence, score in zip(analysis.sentences, scores)]
    key_of = {row.id: row.key for row in actors}
    analysis.actors = [
        Actor(row.key, row.name, row.kind, [tuple(mention) for mention in row.mentions], dict(row.techniques), row.country)
        for row in actors
    ]
    analysis.relations = [
        Relation(key_of[row.source_actor_id], key_of[row.target_actor_id], row.polarity, row.modality,
                 (row.evidence_start, row.evidence_end), tuple(tuple(words) for words in row.trigger))
        for row in relations
    ]
    analysis.statements = [
        Statement(row.start, row.end, row.kind, row.probability, tuple(row.hedge) if row.hedge else None,
                  tuple(row.source) if row.source else None, row.source_actor)
        for row in statements
    ]
    return analysis


def export_corpus(sessions: sessionmaker, version: str, export_format: ExportFormat, output: Path,
                  reviewed: bool = False) -> int:
    """Write the export atomically; returns the number of analyses written. `reviewed`: the spans reviewed where
    reviewed, else the model's (csv and parquet add the column "review")."""
    if export_format is ExportFormat.parquet:
        return write_parquet(sessions, version, output, reviewed)
    with atomic_writer(output) as handle:
        return write_export(sessions, version, export_format, handle, reviewed)


def write_export(sessions: sessionmaker, version: str, export_format: ExportFormat, handle: TextIO,
                 reviewed: bool = False) -> int:
    """Write a jsonl, csv or semeval export to an open text handle; returns the number of analyses written."""
    count = 0
    if export_format is ExportFormat.csv:
        writer = csv.DictWriter(handle, SPAN_COLUMNS + ((REVIEW_COLUMN,) if reviewed else ()), lineterminator="\n")
        writer.writeheader()
    for article_row, analysis, actions in reviewable_analyses(sessions, version, reviewed=reviewed):
        count += 1
        if export_format is ExportFormat.jsonl:
            handle.write(analysis.to_json(indent=None) + "\n")
        elif export_format is ExportFormat.semeval:
            for span in analysis.spans:
                handle.write(f"{analysis.article.id}\t{span.technique}\t{span.start}\t{span.end}\n")
        else:
            writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()}
                             for row in span_rows_of(article_row, analysis, actions))
    return count


def span_rows_of(article_row: ArticleRow, analysis: Analysis, actions: Actions | None = None) -> Iterator[dict]:
    """One row per span, with the metadata of its article; given `actions` (reviewed spans), each row's decision."""
    article, metadata = analysis.article, analysis.article.metadata
    for span in analysis.spans:
        yield {
            "article_id": article_row.id, "name": article.id, "outlet": article_row.outlet,
            "date": metadata.date, "title": metadata.title, "url": metadata.url, "start": span.start,
            "end": span.end, "technique": span.technique, "probability": span.probability,
            "text": span.text_in(article.text),
            **({} if actions is None else {REVIEW_COLUMN: actions.get((span.start, span.end, span.technique), "")}),
        }


def write_parquet(sessions: sessionmaker, version: str, output: Path, reviewed: bool = False) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("Parquet export needs pyarrow: pip install 'propaganda-lens[parquet]'") from None
    schema = pa.schema([("article_id", pa.int64()), ("name", pa.string()), ("outlet", pa.string()),
                        ("date", pa.string()), ("title", pa.string()), ("url", pa.string()), ("start", pa.int64()),
                        ("end", pa.int64()), ("technique", pa.string()), ("probability", pa.float64()),
                        ("text", pa.string()), *([(REVIEW_COLUMN, pa.string())] if reviewed else [])])
    count = 0
    with atomic_path(output) as temporary:
        with pq.ParquetWriter(temporary, schema) as writer:
            rows: list[dict] = []
            for article_row, analysis, actions in reviewable_analyses(sessions, version, reviewed=reviewed):
                count += 1
                rows.extend(span_rows_of(article_row, analysis, actions))
                if len(rows) >= 10_000:
                    writer.write_table(pa.Table.from_pylist(rows, schema))
                    rows = []
            writer.write_table(pa.Table.from_pylist(rows, schema))
    return count
