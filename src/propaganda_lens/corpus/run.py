"""`corpus run`: analyze every stored article that the chosen model has not analyzed yet, on this machine
(`local`, in N processes) or as a Ray Data pipeline (`ray`), writing each batch back in one transaction."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from propaganda_lens.corpus import Engine
from propaganda_lens.corpus.store import (
    ActorRow, AnalysisRow, ArticleRow, FailureRow, ModelRow, RelationRow, SpanRow, StatementRow, StoreError, describe,
)
from propaganda_lens.data import Article, Metadata
from propaganda_lens.enrich.summary import character_weights

BATCH_SIZE = 16  # articles per transaction
RAY_CHUNK = 1024  # articles handed to one Ray dataset, so that the driver holds a bounded number of texts


class RunError(RuntimeError):
    """The analysis engine failed (a worker process died, the Ray cluster failed); a rerun resumes."""


@dataclass
class StoredAnalysis:
    """What one analysis stores, the same whichever engine produced it; `error` instead when it failed."""

    article_id: int
    # (start, end, technique, probability, cues, the span's text)
    spans: list[tuple[int, int, str | None, float | None, list[list[int]], str]] = field(default_factory=list)
    language: str | None = None
    warnings: list[str] = field(default_factory=list)
    covered_chars: int = 0
    checkworthiness: list[float | None] = field(default_factory=list)  # per sentence
    # The Analysis's actors, relations and statements as JSON-ready dicts (a Ray result travels as JSON);
    # each statement also carries its "text".
    actors: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    error: str | None = None


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def article_of_row(row: ArticleRow) -> Article:
    metadata = Metadata(title=row.title, author=row.author, date=row.published, site=row.site, url=row.url,
                        extra=dict(row.extra or {}))
    return Article(id=row.name, text=row.text, source=row.source, metadata=metadata)


def analyze_one(detector, article_id: int, article: Article) -> StoredAnalysis:
    """Analyze one article; a failure becomes a StoredAnalysis with its error, so a batch goes on past it."""
    from propaganda_lens.api import analyze

    try:
        analysis = analyze(article, detector=detector)
    except Exception as error:  # noqa: BLE001 - one bad article must not stop a corpus run
        return StoredAnalysis(article_id, error=f"{type(error).__name__}: {error}")
    text = article.text
    covered = int((character_weights(len(text), analysis.spans) > 0).sum())
    spans = [(span.start, span.end, span.technique, span.probability, [list(cue) for cue in span.cues],
              span.text_in(text)) for span in analysis.spans]
    return StoredAnalysis(article_id, spans, analysis.language, list(analysis.warnings), covered,
                          [sentence.checkworthiness for sentence in analysis.sentences],
                          [asdict(actor) for actor in analysis.actors], [asdict(relation) for relation in analysis.relations],
                          [{**asdict(statement), "text": text[statement.start : statement.end]}
                           for statement in analysis.statements])


def pending_ids(sessions: sessionmaker, version: str) -> list[int]:
    """Articles with neither an analysis nor a recorded analysis failure by this model version."""
    analyzed = exists().where(AnalysisRow.article_id == ArticleRow.id, AnalysisRow.model_version == version)
    failed = exists().where(FailureRow.article_id == ArticleRow.id, FailureRow.stage == "run",
                            FailureRow.model_version == version)
    with sessions() as session:
        return list(session.scalars(select(ArticleRow.id).where(~analyzed, ~failed).order_by(ArticleRow.id)))


def article_count(sessions: sessionmaker) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ArticleRow))


def register_model(sessions: sessionmaker, version: str, name: str, precision: dict[str, float]) -> None:
    with sessions.begin() as session:
        if session.get(ModelRow, version) is None:
            session.add(ModelRow(version=version, name=name, technique_precision=precision))


def store_batch(sessions: sessionmaker, version: str, results: list[StoredAnalysis]) -> int:
    """All analyses of a batch, or none of them: one transaction. Returns how many failed."""
    with sessions.begin() as session:
        for result in results:
            if result.error is not None:
                session.add(FailureRow(stage="run", source=f"article {result.article_id}", article_id=result.article_id,
                                       model_version=version, message=result.error))
                continue
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
            store_structure(session, analysis.id, result)
    return sum(result.error is not None for result in results)


def store_structure(session, analysis_id: int, result: StoredAnalysis) -> None:
    """The actors, relations and statements of one stored analysis."""
    rows = {
        actor["id"]: ActorRow(analysis_id=analysis_id, key=actor["id"], name=actor["name"], kind=actor["kind"],
                              mentions=[list(mention) for mention in actor["mentions"]], techniques=actor["techniques"])
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
    session.add_all(
        StatementRow(analysis_id=analysis_id, start=statement["start"], end=statement["end"], kind=statement["kind"],
                     probability=statement["probability"], hedge=_listed(statement["hedge"]),
                     source=_listed(statement["source"]), source_actor=statement["source_actor"], text=statement["text"])
        for statement in result.statements
    )


def _listed(pair) -> list[int] | None:
    return None if pair is None else list(pair)


def load_articles(sessions: sessionmaker, ids: list[int]) -> list[tuple[int, Article]]:
    with sessions() as session:
        rows = session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids)).order_by(ArticleRow.id)).all()
        return [(row.id, article_of_row(row)) for row in rows]


def batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for first in range(0, len(ids), size):
        yield ids[first : first + size]


def run_corpus(
    sessions: sessionmaker,
    model: str | Path | None,
    ids: list[int],
    engine: Engine = Engine.local,
    workers: int = 1,
    ray_address: str | None = None,
) -> Iterator[tuple[int, int]]:
    """Analyze the articles `ids` with `model`; after each committed batch, yields how many of its articles
    were analyzed and how many failed (recorded in `failures`)."""
    from propaganda_lens.detect.detector import (
        CONFIG_FILE, DetectorConfig, model_folder, model_version, technique_precision_of,
    )

    version = model_version(model)
    folder = model_folder(model)
    try:
        name = DetectorConfig.from_file(folder / CONFIG_FILE).name  # model_version read and checked it
        register_model(sessions, version, name, technique_precision_of(folder))
        if engine is Engine.ray:
            results = ray_results(sessions, model, ids, workers, ray_address)
        else:
            results = local_results(sessions, model, ids, workers)
        batch: list[StoredAnalysis] = []
        for result in results:
            batch.append(result)
            if len(batch) == BATCH_SIZE:
                failed = store_batch(sessions, version, batch)
                yield len(batch) - failed, failed
                batch = []
        if batch:
            failed = store_batch(sessions, version, batch)
            yield len(batch) - failed, failed
    except SQLAlchemyError as error:
        raise StoreError(f"cannot write to the database: {describe(error)}; every batch committed before stays stored") from None
    except BrokenProcessPool:
        raise RunError("a worker process died (out of memory?); run the same command again to resume, or use fewer --workers") from None


# -- the local engine ---------------------------------------------------------------------------------------
_worker_detector = None


def _load_worker_detector(model: str | None, threads: int) -> None:
    global _worker_detector
    from propaganda_lens.detect.detector import Detector

    _worker_detector = Detector.from_disk(model, threads=threads)


def _analyze_in_worker(item: tuple[int, Article]) -> StoredAnalysis:
    return analyze_one(_worker_detector, *item)


def local_results(sessions: sessionmaker, model, ids: list[int], workers: int) -> Iterator[StoredAnalysis]:
    """In this process (one worker, all cores), or in `workers` processes sharing the cores, in order."""
    from propaganda_lens.detect.detector import Detector

    if workers == 1:
        detector = Detector.from_disk(model)
        for chunk in batches(ids, BATCH_SIZE):
            for article_id, article in load_articles(sessions, chunk):
                yield analyze_one(detector, article_id, article)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = get_context("spawn")
    model_name = None if model is None else str(model)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_load_worker_detector,
                             initargs=(model_name, threads)) as pool:
        for chunk in batches(ids, BATCH_SIZE * workers):
            yield from pool.map(_analyze_in_worker, load_articles(sessions, chunk))


# -- the Ray engine -----------------------------------------------------------------------------------------
def ray_analyzer(model: str | None, threads: int) -> type:
    """A Ray Data actor class that loads the ONNX model once, with as many threads as the CPUs the actor
    holds. The settings live in the class, so no constructor arguments wait in the object store."""

    class RayAnalyzer:
        def __init__(self) -> None:
            from propaganda_lens.detect.detector import Detector

            self.detector = Detector.from_disk(model, threads=threads)

        def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
            results = []
            for article_id, article in zip(batch["article_id"], batch["article"]):
                fields = json.loads(article)
                metadata = Metadata(**fields.pop("metadata"))
                stored = analyze_one(self.detector, int(article_id), Article(**fields, metadata=metadata))
                results.append(json.dumps(asdict(stored)))
            return {"result": results}

    return RayAnalyzer


def ray_results(
    sessions: sessionmaker, model, ids: list[int], workers: int, address: str | None
) -> Iterator[StoredAnalysis]:
    """Through a Ray Data pipeline: map_batches over an actor pool of `workers` actors."""
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")  # Ray Data's own notes; the CLI shows the progress
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # Ray would report usage statistics to its makers
    try:
        import ray
    except ImportError:
        raise RunError("--engine ray needs the ray extra: pip install 'propaganda-lens[ray]'") from None
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, logging_level="ERROR", log_to_driver=False)
            else:
                ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        except Exception as error:  # noqa: BLE001 - Ray raises many kinds; the user needs one line
            where = f" at {address}" if address else ""
            raise RunError(f"cannot start or reach Ray{where}: {first_line(error)}") from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)) // workers)
    analyzer = ray_analyzer(None if model is None else str(model), cpus)
    for chunk in batches(ids, RAY_CHUNK):
        items = [{"article_id": article_id, "article": json.dumps(asdict(article))}
                 for article_id, article in load_articles(sessions, chunk)]
        analyzed = ray.data.from_items(items).map_batches(
            analyzer, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus, batch_size=4,
            batch_format="numpy",
        )
        try:
            for row in analyzed.iter_rows():
                stored = json.loads(row["result"])
                stored["spans"] = [tuple(span) for span in stored["spans"]]
                yield StoredAnalysis(**stored)
        except ray.exceptions.RayError as error:
            raise RunError(f"the Ray pipeline failed ({first_line(error)}); run the same command again to resume") from None
