"""What a corpus worker does, on either engine: load the models once, then analyze a few articles at a time
into the rows the corpus stores (`StoredAnalysis`). `corpus.run` hands out the work and stores the results."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from propaganda_lens.api import STAGES
from propaganda_lens.data import Analysis, Article, Span
from propaganda_lens.enrich.summary import character_weights
from propaganda_lens.memory import release_freed_memory

ARTICLES_PER_CALL = 8  # articles a worker analyzes together (api.analyze_many)
# Text a worker analyzes at once: 8 PTC articles of median length fit; the 8 longest (200,000 characters)
# took a worker of the `accurate` model about 80 MB higher in one pass than in passes of this size.
CHARACTERS_PER_PASS = 40_000


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
    stages: list[str] = field(default_factory=lambda: list(STAGES))  # the stages it was analyzed with
    error: str | None = None


class WorkItem(NamedTuple):
    """An article to analyze with `stages`; `spans` are those of its stored analysis, whose missing stages
    are to be added (None: a new analysis, from the detector on)."""

    article_id: int
    article: Article
    stages: tuple[str, ...] = STAGES
    spans: list[Span] | None = None


class Loaded(NamedTuple):
    """What a worker loads once: the detector and the check-worthiness model, on the worker's threads."""

    detector: Any
    checkworthiness: Any


def load_worker(model: str | None, threads: int) -> Loaded:
    """Load a worker's models. spaCy's thinc imports torch where it is installed (the train extra), which
    costs a process over 200 MB and seconds, for nothing the analysis uses: a worker that has not imported
    either yet marks torch as absent first."""
    if "torch" not in sys.modules and "spacy" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment] - `import torch` then raises ImportError
    from propaganda_lens.claims.checkworthiness import CheckworthinessModel, shipped_folder
    from propaganda_lens.detect.detector import Detector
    from propaganda_lens.enrich.parsing import english_pipeline

    english_pipeline()
    detector = Detector.from_disk(model, threads=threads)
    loaded = Loaded(detector, CheckworthinessModel.from_disk(shipped_folder(detector.config.name), threads=threads))
    release_freed_memory()  # what loading the models freed: 60 MB of a worker of the `accurate` model
    return loaded


def analyze_batch(loaded: Loaded, items: list[WorkItem]) -> list[StoredAnalysis]:
    """Analyze the items together (api.analyze_many), at most CHARACTERS_PER_PASS of text at a time, giving
    freed memory back after each pass; when a pass fails, its items one at a time, so that only the bad
    article becomes a StoredAnalysis with its error and the others are stored."""
    results = []
    for group in passes(items, CHARACTERS_PER_PASS):
        try:
            results.extend(_analyzed(loaded, group))
        except Exception as error:  # noqa: BLE001 - one bad article must not stop a corpus run
            if len(group) > 1:
                results.extend(result for item in group for result in analyze_batch(loaded, [item]))
            else:
                results.append(StoredAnalysis(group[0].article_id, error=f"{type(error).__name__}: {error}"))
        release_freed_memory()
    return results


def passes(items: list[WorkItem], characters: int) -> Iterator[list[WorkItem]]:
    """The items in order, in groups of at most `characters` of text (an item over it alone)."""
    group: list[WorkItem] = []
    size = 0
    for item in items:
        if group and size + len(item.article.text) > characters:
            yield group
            group, size = [], 0
        group.append(item)
        size += len(item.article.text)
    if group:
        yield group


def _analyzed(loaded: Loaded, items: list[WorkItem]) -> list[StoredAnalysis]:
    from propaganda_lens.api import analyze_many, complete_analyses
    from propaganda_lens.enrich import enrich

    detector = loaded.detector
    results: dict[int, Analysis] = {}
    for stages in {item.stages for item in items}:
        new = [item for item in items if item.stages == stages and item.spans is None]
        stored = [item for item in items if item.stages == stages and item.spans is not None]
        found = analyze_many([item.article for item in new], detector, stages, checkworthiness=loaded.checkworthiness)
        completed = complete_analyses(
            [enrich(item.article, item.spans, detector.config.name, detector.technique_precision) for item in stored],
            stages, loaded.checkworthiness)
        results.update(zip((item.article_id for item in new + stored), found + completed))
    return [stored_result(item.article_id, results[item.article_id], item.stages) for item in items]


def stored_result(article_id: int, analysis: Analysis, stages: tuple[str, ...]) -> StoredAnalysis:
    """What the corpus stores of an Analysis made with `stages`."""
    text = analysis.article.text
    covered = int((character_weights(len(text), analysis.spans) > 0).sum())
    spans = [(span.start, span.end, span.technique, span.probability, [list(cue) for cue in span.cues],
              span.text_in(text)) for span in analysis.spans]
    return StoredAnalysis(article_id, spans, analysis.language, list(analysis.warnings), covered,
                          [sentence.checkworthiness for sentence in analysis.sentences],
                          [asdict(actor) for actor in analysis.actors], [asdict(relation) for relation in analysis.relations],
                          [{**asdict(statement), "text": text[statement.start : statement.end]}
                           for statement in analysis.statements], list(stages))


def failed_analysis(article_id: int, message: str) -> StoredAnalysis:
    return StoredAnalysis(article_id, error=message)
