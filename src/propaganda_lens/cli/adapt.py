"""`propaganda-lens adapt`: teach a model from reviewers' corrections (review/adapt.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from propaganda_lens.cli.app import app
from propaganda_lens.cli.common import (
    ModelOption,
    PlainUsage,
    fail,
    print_error,
    stderr,
    with_progress,
)


@app.command("adapt", cls=PlainUsage)
def adapt_command(
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/, train-labels-task-flc-tc/).")],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="MODEL_DIR", help="The adapted model's new folder.")],
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="The reviewed articles' texts (files, folders, glob patterns), as they were analyzed; "
                       "each is matched to its corrections by the text's SHA-256, else by article id.",
                       show_default=False, metavar="SOURCE"),
    ] = None,
    corrections: Annotated[
        Path | None, typer.Option("--corrections", metavar="FILE", help="A corrections file (the report's download).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", metavar="URL", help="Instead of --corrections: a corpus database's stored "
                                 "corrections of --model's spans, with their articles' texts.")
    ] = None,
    model: ModelOption = None,
    cache: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Where the base model's states of PTC train are kept between runs "
                     "(default: $PROPAGANDA_LENS_CACHE or ~/.cache/propaganda-lens)."),
    ] = None,
) -> None:
    """Refit the technique head and recalibrate the probabilities on reviewed spans on top of PTC train, into a
    new model folder that --model takes."""
    from propaganda_lens.detect.detector import ModelError
    from propaganda_lens.ingest.errors import IngestError
    from propaganda_lens.ingest.ptc import PtcFormatError
    from propaganda_lens.ingest.sources import expand_sources, read_source
    from propaganda_lens.review.adapt import (
        AdaptError,
        adapt,
        default_cache_folder,
        matched_reviews,
    )
    from propaganda_lens.review.corrections import CorrectionsError, read_corrections

    if (corrections is None) == (db is None):
        fail("give the corrections: --corrections FILE, or --db URL for a corpus's (one of the two)")
    if db is not None:
        if sources:
            fail("--db takes the reviewed texts from the corpus: give no SOURCE")
        items, articles, problems = stored_reviews(db, model)
    else:
        try:
            items, problems = read_corrections(corrections)
        except CorrectionsError as error:
            fail(str(error))
        if not sources:
            fail("give the reviewed articles' texts (files or folders) after the options, to match the corrections to")
        paths, source_problems = expand_sources(sources)
        problems += source_problems
        articles = []
        for path in paths:
            try:
                articles.append(read_source(path))
            except IngestError as error:
                problems.append(str(error))
    reviewed, unmatched = matched_reviews(items, articles)
    for problem in problems + unmatched:  # one line each; the rest is used
        print_error(problem)
    if not reviewed:
        fail("no usable corrections: nothing to adapt the model on")
    started = time.monotonic()
    try:
        summary = adapt(reviewed, ptc, output, model, cache or default_cache_folder(),
                        progress=lambda ids: with_progress(ids, len(ids), "Encoding PTC train (once per model)"))
    except (AdaptError, ModelError, PtcFormatError, ValueError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot adapt the model: {error.strerror or error}")
    used = sum(len(article.corrections.corrections) for article in reviewed)
    stderr.print(f"adapted {summary['base_model']} on {used} corrections of {len(reviewed)} articles "
                 f"(review weight {summary['review_weight']:g}) in {time.monotonic() - started:.0f} s: "
                 f"{output} ({summary['version']})", highlight=False, soft_wrap=True)
    if problems or unmatched:
        raise typer.Exit(1)


def stored_reviews(url: str, model: str | None) -> tuple[list, list, list[str]]:
    """The corrections a corpus database stores of the model's spans, their articles, and no problems yet."""
    from sqlalchemy.exc import SQLAlchemyError

    from propaganda_lens.corpus.reviews import corrections_in
    from propaganda_lens.corpus.store import StoreError, describe, open_database
    from propaganda_lens.detect.detector import ModelError, model_version

    try:
        version = model_version(model)
        stored = corrections_in(open_database(url), version)
    except (ModelError, StoreError) as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(f"the database failed: {describe(error)}")
    if not stored:
        fail(f"the corpus holds no corrections of the spans of {version}: nothing to adapt the model on")
    return [item for _, item in stored], [article for article, _ in stored], []
