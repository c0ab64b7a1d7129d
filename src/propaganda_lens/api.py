"""The public Python API: `analyze(source) -> Analysis`, `analyze_many(articles)` for many articles at once,
and the shared default detector.

The analysis has three stages, each needing the one before:
- `techniques`: the detector's spans, with the sentences, summary and language (enrich);
- `actors`: spaCy's parse, the actors and the relations between them;
- `claims`: each sentence's check-worthiness and the statements (claims, predictions), whose speakers are actors.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from propaganda_lens.data import Analysis, Article, Span
from propaganda_lens.detect.detector import Detector
from propaganda_lens.enrich import enrich
from propaganda_lens.ingest.fetch import FetchLimits
from propaganda_lens.ingest.sources import URL, InputFormat, article_from_text, read_file, read_url

if TYPE_CHECKING:
    from propaganda_lens.claims.checkworthiness import CheckworthinessModel

STAGES = ("techniques", "actors", "claims")  # in order: each stage needs the ones before


def stages_up_to(stage: str) -> tuple[str, ...]:
    """`stage` and the stages it needs (`claims` -> techniques, actors, claims)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; the stages are {', '.join(STAGES)}")
    return STAGES[: STAGES.index(stage) + 1]


@lru_cache(maxsize=4)
def default_detector(model: str | None = None) -> Detector:
    """A shipped model by name (default: the default one) or a model folder, loaded once per process."""
    return Detector.from_disk(model)


def analyze(
    source: str | Path | Article,
    input_format: InputFormat | str = InputFormat.auto,
    detector: Detector | None = None,
    threshold: float | None = None,
    model: str | None = None,
    allow_private_urls: bool = False,
) -> Analysis:
    """Find, label and explain the propaganda technique spans of an article.

    `source` is the article's text (plain, Markdown or HTML, detected unless `input_format` says), a
    `Path` to a file, an `Article`, or an http(s) URL: a string that is a URL is fetched, from a global
    address only unless `allow_private_urls` (loopback, private and link-local addresses are refused, so
    that text from users cannot make an application request its internal services). `model` names a
    shipped model (`accurate`, the default, or `fast`) or a model folder; `detector` passes one already
    loaded. Raises `IngestError` for input that cannot be analyzed
    (empty, binary, unreachable …); its message is meant for the user.
    """
    input_format = InputFormat(input_format)
    if isinstance(source, Article):
        article = source
    elif isinstance(source, Path):
        article = read_file(source, input_format)
    elif URL.fullmatch(source.strip()):
        article = read_url(source.strip(), input_format, limits=FetchLimits(allow_private=allow_private_urls))
    else:
        article = article_from_text(source, "text", "text", input_format=input_format)
    return analyze_many([article], detector, threshold=threshold, model=model)[0]


def analyze_many(
    articles: Sequence[Article],
    detector: Detector | None = None,
    stages: Sequence[str] = STAGES,
    threshold: float | None = None,
    model: str | None = None,
    checkworthiness: "CheckworthinessModel | None" = None,
) -> list[Analysis]:
    """`analyze` of many articles, each stage over all of them at once (see `complete_analyses`); the same
    analyses as `analyze` of each. `stages` stops after the last stage named (with the ones it needs):
    ("techniques",) gives the spans, sentences and summary only. `checkworthiness` passes the claims model
    already loaded (default: the one shipped with the detector)."""
    detector = detector or default_detector(model)
    analyses = [
        enrich(article, detector.find_spans(article.text, threshold), detector.config.name, detector.technique_precision)
        for article in articles
    ]
    return complete_analyses(analyses, stages, checkworthiness)


_loader: threading.Thread | None = None


def load_stages(background: bool = False, model: str | None = None) -> None:
    """Load what the stages after detection need (spaCy's pipeline, the claim model shipped with the detector
    `model` names), once per process; in a background thread with `background`, so that the load overlaps the
    detector's. That thread is not a daemon: the interpreter joins it before exiting, so no exit tears down
    spaCy or onnxruntime mid-load."""
    global _loader
    if not background:
        _load_stages(model)
    elif _loader is None:
        _loader = threading.Thread(target=_load_stages_quietly, args=(model,), name="load-stages")
        _loader.start()


def _load_stages(model: str | None) -> None:
    from propaganda_lens.claims import shipped_checkworthiness_model
    from propaganda_lens.enrich.parsing import english_pipeline

    english_pipeline()
    shipped_checkworthiness_model(model)


def _load_stages_quietly(model: str | None) -> None:
    try:
        _load_stages(model)
    except Exception:  # noqa: BLE001 - the stages load again on the calling thread, which reports the error
        pass


def wait_for_stages() -> None:
    """Wait for a background load to end: two threads importing spaCy's modules (and, through its entry
    points, ours) at once can deadlock on Python's module locks."""
    if _loader is not None:
        _loader.join()


def complete_analyses(
    analyses: Sequence[Analysis], stages: Sequence[str] = STAGES, checkworthiness: "CheckworthinessModel | None" = None
) -> list[Analysis]:
    """The stages after `techniques` that `stages` names (with those they need), on analyses that have their
    spans: one spaCy pipe over the texts of all of them, then actors and claims per article (imported here,
    so that commands that analyze nothing do not import them).

    The detector encodes each window alone and the check-worthiness model each sentence alone: their int8
    encoders quantize activations per call, so a batch would make a text's numbers depend on its batch mates."""
    wanted = set(stages)
    if not wanted & {"actors", "claims"}:
        return list(analyses)
    wait_for_stages()
    from propaganda_lens.actors import add_actors
    from propaganda_lens.claims import add_claims
    from propaganda_lens.enrich.parsing import parse_many

    docs = parse_many([(analysis.article.text, [(s.start, s.end) for s in analysis.sentences]) for analysis in analyses])
    analyses = [add_actors(analysis, doc) for analysis, doc in zip(analyses, docs)]
    if "claims" in wanted:
        analyses = [add_claims(analysis, doc, checkworthiness) for analysis, doc in zip(analyses, docs)]
    return analyses


def full_analysis(article: Article, spans: list[Span], model: str, technique_precision: dict[str, float]) -> Analysis:
    """Every stage after detection on an article whose spans were found (see complete_analyses)."""
    return complete_analyses([enrich(article, spans, model, technique_precision)])[0]
