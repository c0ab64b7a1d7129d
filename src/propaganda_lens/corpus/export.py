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
from propaganda_lens.corpus.run import article_of_row
from propaganda_lens.corpus.store import ActorRow, AnalysisRow, ArticleRow, ModelRow, RelationRow, SpanRow, StatementRow
from propaganda_lens.data import Actor, Analysis, Relation, Span, Statement
from propaganda_lens.enrich import enrich
from propaganda_lens.files import atomic_path, atomic_writer

CHUNK = 200  # analyses read at a time, so that memory stays bounded on any corpus
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)
SPAN_COLUMNS = ("article_id", "name", "outlet", "date", "title", "url", "start", "end", "technique", "probability", "text")


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
                spans.setdefault(span.analysis_id, []).append(Span(
                    span.start, span.end, span.technique, span.probability,
                    cues=tuple((start, end) for start, end in span.cues)))
            actors: dict[int, list[ActorRow]] = {}
            for actor in session.scalars(select(ActorRow).where(ActorRow.analysis_id.in_(chunk_ids)).order_by(ActorRow.id)):
                actors.setdefault(actor.analysis_id, []).append(actor)
            relations: dict[int, list[RelationRow]] = {}
            for relation in session.scalars(select(RelationRow).where(RelationRow.analysis_id.in_(chunk_ids)).order_by(RelationRow.id)):
                relations.setdefault(relation.analysis_id, []).append(relation)
            statements: dict[int, list[StatementRow]] = {}
            for statement in session.scalars(select(StatementRow).where(StatementRow.analysis_id.in_(chunk_ids)).order_by(StatementRow.start)):
                statements.setdefault(statement.analysis_id, []).append(statement)
            for analysis_row, article_row in rows:
                analysis = rebuilt_analysis(article_row, analysis_row, spans.get(analysis_row.id, []), model)
                key = analysis_row.id
                yield article_row, with_structure(analysis, analysis_row, actors.get(key, []), relations.get(key, []),
                                                  statements.get(key, []))


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
        Actor(row.key, row.name, row.kind, [tuple(mention) for mention in row.mentions], dict(row.techniques))
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


def export_corpus(sessions: sessionmaker, version: str, export_format: ExportFormat, output: Path) -> int:
    """Write the export atomically; returns the number of analyses written."""
    if export_format is ExportFormat.parquet:
        return write_parquet(sessions, version, output)
    with atomic_writer(output) as handle:
        return write_export(sessions, version, export_format, handle)


def write_export(sessions: sessionmaker, version: str, export_format: ExportFormat, handle: TextIO) -> int:
    """Write a jsonl, csv or semeval export to an open text handle; returns the number of analyses written."""
    count = 0
    if export_format is ExportFormat.csv:
        writer = csv.DictWriter(handle, SPAN_COLUMNS, lineterminator="\n")
        writer.writeheader()
    for article_row, analysis in stored_analyses(sessions, version):
        count += 1
        if export_format is ExportFormat.jsonl:
            handle.write(analysis.to_json(indent=None) + "\n")
        elif export_format is ExportFormat.semeval:
            for span in analysis.spans:
                handle.write(f"{analysis.article.id}\t{span.technique}\t{span.start}\t{span.end}\n")
        else:
            writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()}
                             for row in span_rows_of(article_row, analysis))
    return count


def span_rows_of(article_row: ArticleRow, analysis: Analysis) -> Iterator[dict]:
    """One row per span, with the metadata of its article."""
    article, metadata = analysis.article, analysis.article.metadata
    for span in analysis.spans:
        yield {
            "article_id": article_row.id, "name": article.id, "outlet": article_row.outlet,
            "date": metadata.date, "title": metadata.title, "url": metadata.url, "start": span.start,
            "end": span.end, "technique": span.technique, "probability": span.probability,
            "text": span.text_in(article.text),
        }


def write_parquet(sessions: sessionmaker, version: str, output: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("Parquet export needs pyarrow: pip install 'propaganda-lens[parquet]'") from None
    schema = pa.schema([("article_id", pa.int64()), ("name", pa.string()), ("outlet", pa.string()),
                        ("date", pa.string()), ("title", pa.string()), ("url", pa.string()), ("start", pa.int64()),
                        ("end", pa.int64()), ("technique", pa.string()), ("probability", pa.float64()),
                        ("text", pa.string())])
    count = 0
    with atomic_path(output) as temporary:
        with pq.ParquetWriter(temporary, schema) as writer:
            rows: list[dict] = []
            for article_row, analysis in stored_analyses(sessions, version):
                count += 1
                rows.extend(span_rows_of(article_row, analysis))
                if len(rows) >= 10_000:
                    writer.write_table(pa.Table.from_pylist(rows, schema))
                    rows = []
            writer.write_table(pa.Table.from_pylist(rows, schema))
    return count
