"""`corpus run`: analyze every stored article that the chosen model has not analyzed yet, on this machine
(`local`, in N processes) or on Ray actors (`ray`), writing each batch back in one transaction.

Each worker analyzes a few articles at a time with `api.analyze_many` (every stage over all of them). A run
does the stages asked for (`api.STAGES`, each with the ones it needs) and records them in `analyses.stages`;
a later run that asks for more stages adds them to the stored analyses from their stored spans, without
running the detector again.

Any number of runs share one database: each claims a few articles at a time with a lease (a row in
`leases`, renewed while it works), so that every article is analyzed once; a killed run's leases expire and
another run takes its articles."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from propaganda_lens.corpus import Engine
from propaganda_lens.corpus.pool import RunError, Task, WorkerPool
from propaganda_lens.corpus.ray_engine import RayAnalyzer
from propaganda_lens.corpus.work import (
    ARTICLES_PER_CALL, StoredAnalysis, WorkItem, analyze_batch, failed_analysis, load_worker,
)
from propaganda_lens.corpus.store import (
    ActorRow, AnalysisRow, ArticleRow, FailureRow, LeaseRow, ModelRow, RelationRow, SpanRow, StatementRow, StoreError,
    describe, writing,
)
from propaganda_lens.api import STAGES
from propaganda_lens.data import Article, Metadata, Span

BATCH_SIZE = 16  # articles per transaction
ARTICLE_TIMEOUT_S = 60.0
LEASE_S = 60.0  # a lease lasts this long unless renewed; renewed every quarter of it


def article_of_row(row: ArticleRow) -> Article:
    metadata = Metadata(title=row.title, author=row.author, date=row.published, site=row.site, url=row.url,
                        extra=dict(row.extra or {}))
    return Article(id=row.name, text=row.text, source=row.source, metadata=metadata)


def pending(version: str, stages: tuple[str, ...] = STAGES):
    """The condition on ArticleRow: neither an analysis with `stages` nor a recorded analysis failure by
    `version` (the stages are in order, so the last one says)."""
    analyzed = exists().where(AnalysisRow.article_id == ArticleRow.id, AnalysisRow.model_version == version,
                              AnalysisRow.stages.contains(stages[-1]))
    failed = exists().where(FailureRow.article_id == ArticleRow.id, FailureRow.stage == "run",
                            FailureRow.model_version == version)
    return ~analyzed & ~failed


def leased(version: str, now: float, by_others: str | None = None):
    """The condition on ArticleRow: a lease by `version` that has not expired (held by a run other than
    `by_others`, when given)."""
    condition = exists().where(LeaseRow.article_id == ArticleRow.id, LeaseRow.model_version == version,
                               LeaseRow.expires > now)
    return condition.where(LeaseRow.holder != by_others) if by_others else condition


def pending_count(sessions: sessionmaker, version: str, unleased: bool = False, stages: tuple[str, ...] = STAGES) -> int:
    """Pending articles; with `unleased`, only those that no live lease holds."""
    query = select(func.count()).select_from(ArticleRow).where(pending(version, stages))
    if unleased:
        query = query.where(~leased(version, time.time()))
    with sessions() as session:
        return session.scalar(query)


def article_count(sessions: sessionmaker) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ArticleRow))


def register_model(sessions: sessionmaker, version: str, name: str, precision: dict[str, float]) -> None:
    with writing(sessions) as session:
        if session.get(ModelRow, version) is None:
            session.add(ModelRow(version=version, name=name, technique_precision=precision))


class Leases:
    """The articles this run (`holder`) has claimed; a thread renews their leases until `close`."""

    def __init__(self, sessions: sessionmaker, version: str, seconds: float, stages: tuple[str, ...] = STAGES) -> None:
        self.sessions, self.version, self.seconds, self.stages = sessions, version, seconds, stages
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.dialect = sessions.kw["bind"].dialect.name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="lease renewal", daemon=True)
        self._thread.start()

    def __enter__(self) -> Leases:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def claim(self, count: int) -> list[int]:
        """Up to `count` pending articles that no live lease holds, now leased to this run: under the SQLite
        write lock, or SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; the insert skips any lease another run
        took meanwhile."""
        now = time.time()
        with writing(self.sessions) as session:
            query = (select(ArticleRow.id).where(pending(self.version, self.stages), ~leased(self.version, now))
                     .order_by(ArticleRow.id).limit(count))
            if self.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True, of=ArticleRow)
            ids = list(session.scalars(query))
            if not ids:
                return []
            session.execute(delete(LeaseRow).where(LeaseRow.article_id.in_(ids), LeaseRow.model_version == self.version,
                                                   LeaseRow.expires <= now).execution_options(synchronize_session=False))
            rows = [{"article_id": article_id, "model_version": self.version, "holder": self.holder,
                     "expires": now + self.seconds} for article_id in ids]
            dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(self.dialect)
            if dialect_insert is None:
                session.execute(insert(LeaseRow.__table__), rows)
                return ids
            statement = dialect_insert(LeaseRow.__table__).values(rows).on_conflict_do_nothing()
            return sorted(session.scalars(statement.returning(LeaseRow.article_id)))

    def others_working(self) -> bool:
        """Whether another run holds a live lease on a pending article (it may yet be killed)."""
        with self.sessions() as session:
            return session.scalar(select(ArticleRow.id).where(
                pending(self.version, self.stages), leased(self.version, time.time(), self.holder)).limit(1)) is not None

    def _renew(self) -> None:
        while not self._stop.wait(self.seconds / 4):
            try:
                with writing(self.sessions) as session:
                    session.execute(update(LeaseRow).where(LeaseRow.holder == self.holder)
                                    .values(expires=time.time() + self.seconds))
            except SQLAlchemyError:
                pass  # the next renewal tries again; an article whose lease lapsed is stored once all the same

    def close(self) -> None:
        """Stop renewing and give back the leases not used (an interrupted run's articles go to others at once)."""
        self._stop.set()
        self._thread.join()
        try:
            with writing(self.sessions) as session:
                session.execute(delete(LeaseRow).where(LeaseRow.holder == self.holder))
        except SQLAlchemyError:
            pass  # they lapse on their own


def store_batch(sessions: sessionmaker, version: str, results: list[StoredAnalysis], holder: str | None = None) -> tuple[int, int]:
    """All analyses of a batch, or none of them: one transaction, which also ends their leases. A result
    for an article analyzed before adds the stages that its stored analysis lacks. What another run stored
    meanwhile (its lease had lapsed) is left as stored. Returns how many analyses and failures were stored."""
    ids = [result.article_id for result in results]
    stored = failed = 0
    with writing(sessions) as session:
        existing = {row.article_id: row for row in session.scalars(
            select(AnalysisRow).where(AnalysisRow.article_id.in_(ids), AnalysisRow.model_version == version))}
        done = set(session.scalars(select(FailureRow.article_id).where(
            FailureRow.article_id.in_(ids), FailureRow.stage == "run", FailureRow.model_version == version)))
        for result in results:
            analysis = existing.get(result.article_id)
            had = analysis.stages.split() if analysis is not None else []
            added = [stage for stage in result.stages if stage not in had]
            if result.article_id in done or (analysis is not None and not added and result.error is None):
                continue
            done.add(result.article_id)
            if result.error is not None:
                session.add(FailureRow(stage="run", source=f"article {result.article_id}", article_id=result.article_id,
                                       model_version=version, message=result.error))
                failed += 1
                continue
            if analysis is None:
                analysis = AnalysisRow(article_id=result.article_id, model_version=version, language=result.language,
                                       warnings=result.warnings, covered_chars=result.covered_chars,
                                       checkworthiness=result.checkworthiness)
                session.add(analysis)
                session.flush()
                session.add_all(
                    SpanRow(analysis_id=analysis.id, start=start, end=end, technique=technique, probability=probability,
                            text=text, cues=cues)
                    for start, end, technique, probability, cues, text in result.spans
                )
            if "actors" in added:
                store_actors(session, analysis.id, result)
            if "claims" in added:
                store_statements(session, analysis.id, result)
                analysis.checkworthiness = result.checkworthiness
            analysis.stages = " ".join(stage for stage in STAGES if stage in had + added)
            stored += 1
        if holder is not None:
            session.execute(delete(LeaseRow).where(LeaseRow.holder == holder, LeaseRow.article_id.in_(ids))
                            .execution_options(synchronize_session=False))
    return stored, failed


def store_actors(session, analysis_id: int, result: StoredAnalysis) -> None:
    """The actors and relations of one stored analysis."""
    rows = {
        actor["id"]: ActorRow(analysis_id=analysis_id, key=actor["id"], name=actor["name"], kind=actor["kind"],
                              mentions=[list(mention) for mention in actor["mentions"]], techniques=actor["techniques"],
                              country=actor.get("country"))
        for actor in result.actors
    }
    session.add_all(rows.values())
    session.flush()
    session.add_all(
        RelationRow(analysis_id=analysis_id, source_actor_id=rows[relation["source"]].id,
                    target_actor_id=rows[relation["target"]].id, polarity=relation["polarity"],
                    modality=relation["modality"], evidence_start=relation["evidence"][0],
                    evidence_end=relation["evidence"][1], trigger=[list(words) for words in relation["trigger"]])
        for relation in result.relations
    )


def store_statements(session, analysis_id: int, result: StoredAnalysis) -> None:
    """The statements (claims and predictions) of one stored analysis."""
    session.add_all(
        StatementRow(analysis_id=analysis_id, start=statement["start"], end=statement["end"], kind=statement["kind"],
                     probability=statement["probability"], hedge=_listed(statement["hedge"]),
                     source=_listed(statement["source"]), source_actor=statement["source_actor"], text=statement["text"])
        for statement in result.statements
    )


def _listed(pair) -> list[int] | None:
    return None if pair is None else list(pair)


def load_items(sessions: sessionmaker, ids: list[int], version: str, stages: tuple[str, ...]) -> list[WorkItem]:
    """The articles to analyze with `stages`, each with the spans of its stored analysis by `version`, if any."""
    with sessions() as session:
        rows = session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids)).order_by(ArticleRow.id)).all()
        analyses = dict(session.execute(select(AnalysisRow.article_id, AnalysisRow.id).where(
            AnalysisRow.article_id.in_(ids), AnalysisRow.model_version == version)).all())
        spans: dict[int, list[Span]] = {analysis_id: [] for analysis_id in analyses.values()}
        for span in session.scalars(select(SpanRow).where(SpanRow.analysis_id.in_(analyses.values()))):
            spans[span.analysis_id].append(span.span())
        return [WorkItem(row.id, article_of_row(row), stages,
                         spans[analyses[row.id]] if row.id in analyses else None) for row in rows]


@dataclass
class RunProgress:
    """Where a run stands: articles whose analysis ended, those stored and failed, and the articles this run
    has done plus those left that no other run holds (it changes as other runs take articles)."""

    done: int = 0
    analyzed: int = 0
    failed: int = 0
    total: int = 0


def run_corpus(
    sessions: sessionmaker,
    model: str | Path | None,
    engine: Engine = Engine.local,
    workers: int = 1,
    ray_address: str | None = None,
    article_timeout: float = ARTICLE_TIMEOUT_S,
    lease_s: float = LEASE_S,
    task: Task | None = None,
    stages: tuple[str, ...] = STAGES,
) -> Iterator[RunProgress]:
    """Analyze the pending articles with `model` and `stages` (api.stages_up_to), claiming them a few at a
    time, until none is left that no live lease holds; yields the progress after each article. `task`
    replaces the worker's analysis (local engine; the model is still the one registered)."""
    from propaganda_lens.detect.detector import (
        CONFIG_FILE, DetectorConfig, model_folder, model_version, technique_precision_of,
    )

    version = model_version(model)
    folder = model_folder(model)
    model_name = None if model is None else str(model)
    try:
        name = DetectorConfig.from_file(folder / CONFIG_FILE).name  # model_version read and checked it
        register_model(sessions, version, name, technique_precision_of(folder))
        with ExitStack() as stack:
            leases = stack.enter_context(Leases(sessions, version, lease_s, stages))
            if engine is Engine.ray:
                analyzer = RayAnalyzer(model_name, workers, ray_address, article_timeout)
            else:
                pool = stack.enter_context(WorkerPool(task or Task(load_worker, analyze_batch, model_name), workers,
                                                      article_timeout, failed_analysis, ARTICLES_PER_CALL))
                analyzer = pool.analyze
            progress = RunProgress()
            claimed = claimed_items(sessions, leases, version, stages, BATCH_SIZE * workers, progress)
            yield from analyzed_batches(sessions, version, leases.holder, analyzer(claimed), progress)
    except SQLAlchemyError as error:
        raise StoreError(f"cannot write to the database: {describe(error)}; every batch committed before stays stored") from None


def claimed_items(sessions: sessionmaker, leases: Leases, version: str, stages: tuple[str, ...], size: int,
                  progress: RunProgress) -> Iterator[list[WorkItem]]:
    """The articles this run claims, `size` at a time, until none is left that no live lease holds (an empty
    list while other runs hold the rest: their leases may lapse). Sets the progress's total at each claim."""
    claimed = 0
    while True:
        ids = leases.claim(size)
        if ids:
            claimed += len(ids)
            progress.total = claimed + pending_count(sessions, version, True, stages)
            yield load_items(sessions, ids, version, stages)
        elif leases.others_working():
            yield []
            time.sleep(min(1.0, leases.seconds / 4))  # another run holds the rest: wait for it to end or lapse
        else:
            return


def analyzed_batches(
    sessions: sessionmaker, version: str, holder: str, results: Iterable[StoredAnalysis], progress: RunProgress
) -> Iterator[RunProgress]:
    """Store the results BATCH_SIZE at a time, yielding the progress after each result (the counts of
    stored analyses and failures move as each batch commits)."""
    batch: list[StoredAnalysis] = []
    for result in results:
        batch.append(result)
        progress.done += 1
        if len(batch) == BATCH_SIZE:
            _count(progress, store_batch(sessions, version, batch, holder))
            batch = []
        yield progress
    if batch:
        _count(progress, store_batch(sessions, version, batch, holder))


def _count(progress: RunProgress, stored: tuple[int, int]) -> None:
    progress.analyzed += stored[0]
    progress.failed += stored[1]
