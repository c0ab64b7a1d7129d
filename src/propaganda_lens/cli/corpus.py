"""`propaganda-lens corpus …`: many articles in a database, analyzed once per model, with statistics,
a dashboard and exports."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from propaganda_lens.cli.common import (
    AllowPrivateOption, ModelOption, PlainUsage, check_encoding, fail, print_error, print_table, progress_bar, stderr, stdout,
    with_progress,
)
from propaganda_lens.corpus import DATABASE_VARIABLE, DEFAULT_DATABASE, Engine, ExportFormat
from propaganda_lens.ingest.fetch import MAX_BYTES
from propaganda_lens.ingest.sources import InputFormat

class CorpusCommands(TyperGroup):
    """The one place where every corpus command's database errors become one line and exit code 1: a
    database that cannot be opened or is not a corpus (StoreError), or one that fails later (a corrupt page,
    a lost connection, a lock held too long)."""

    def invoke(self, ctx):
        from sqlalchemy.exc import SQLAlchemyError

        from propaganda_lens.corpus.store import StoreError, describe

        try:
            return super().invoke(ctx)
        except StoreError as error:
            fail(str(error))
        except SQLAlchemyError as error:
            fail(f"the database failed: {describe(error)}; what was committed before stays stored")


corpus_app = typer.Typer(
    cls=CorpusCommands,
    help="Store many articles in a database, analyze each once per model, and study them: statistics per "
    "outlet, technique and month, a dashboard, exports.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""Examples:

\b
  propaganda-lens corpus add 'saved-pages/**/*.html' articles.jsonl
  propaganda-lens corpus add https://www.theguardian.com/world/rss
  propaganda-lens corpus run --model fast
  propaganda-lens corpus stats --by outlet,technique -f csv
  propaganda-lens corpus report -o dashboard.html""",
)

ReviewedOption = Annotated[
    bool, typer.Option("--reviewed", help="The spans reviewed where reviewed (see 'corpus review'), else the model's.")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--db", metavar="URL", help=f"SQLAlchemy database URL (default: ${DATABASE_VARIABLE}, else "
                 f"sqlite:///{DEFAULT_DATABASE} in the current folder)."),
]


def open_store(url: str | None):
    from propaganda_lens.corpus.store import open_database

    return open_database(url)  # a StoreError is shown by CorpusCommands


def chosen_version(model: str | None) -> str:
    from propaganda_lens.detect.detector import ModelError, model_version

    try:
        return model_version(model)
    except ModelError as error:
        fail(f"cannot load the model: {error}")


@corpus_app.command("add", cls=PlainUsage)
def add(
    sources: Annotated[
        list[str],
        typer.Argument(help="Files, folders, glob patterns, http(s) URLs of pages or of RSS and Atom feeds (each new "
                       "item's page is added), - for standard input, or JSON Lines files (.jsonl) with a text or "
                       "html field per line.", show_default=False, metavar="SOURCE"),
    ],
    db: DatabaseOption = None,
    outlet: Annotated[str | None, typer.Option(help="The outlet of every input (default: from metadata or URL).")] = None,
    input_format: Annotated[InputFormat, typer.Option(help="auto, text, markdown or html.")] = InputFormat.auto,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the inputs (default: detected).")] = None,
    max_bytes: Annotated[int, typer.Option(min=1, help="Largest input (or JSON line) accepted, in bytes.")] = MAX_BYTES,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds allowed for downloading a URL.")] = 20.0,
    allow_private_urls: AllowPrivateOption = False,
) -> None:
    """Store articles in the corpus database; each text is stored once, failures are recorded."""
    from functools import partial

    from propaganda_lens.corpus.add import add_articles, read_inputs, stored_links
    from propaganda_lens.ingest.fetch import FetchLimits
    from propaganda_lens.ingest.sources import expand_sources

    check_encoding(encoding)
    paths, problems = expand_sources(sources)
    sessions = open_store(db)
    inputs = read_inputs(with_progress(paths, len(paths), "Adding", unit="inputs"), input_format, encoding,
                         FetchLimits(timeout, max_bytes, allow_private=allow_private_urls), partial(stored_links, sessions))
    result = add_articles(sessions, inputs, outlet)
    for problem in problems + result.failures:
        print_error(problem)
    stderr.print(f"{result.added} articles added, {result.duplicates} already stored, "
                 f"{len(result.failures) + len(problems)} failed", highlight=False)
    if problems or result.failures:
        raise typer.Exit(1)


@corpus_app.command("run")
def run(
    db: DatabaseOption = None,
    model: ModelOption = None,
    engine: Annotated[Engine, typer.Option(help="local: this machine; ray: Ray actors, on this machine or a Ray cluster.")] = Engine.local,
    workers: Annotated[int, typer.Option(min=1, help="Processes (local) or actors (ray) analyzing at once.")] = 1,
    ray_address: Annotated[
        str | None, typer.Option(help="An existing Ray cluster (ray://host:10001 or auto); default: a local one.")
    ] = None,
    article_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds one article may take (local engine); one over it is recorded "
                            "as a failure and the run goes on.")
    ] = 60.0,
    lease: Annotated[
        float, typer.Option(min=1.0, help="Seconds a run's claim on its articles lasts unless renewed: how long "
                            "a killed run's articles wait before another run takes them.")
    ] = 60.0,
    stages: Annotated[
        str, typer.Option(help="The stages to run, with commas: techniques (spans, sentences, summary), actors "
                          "(spaCy's parse, actors, relations), claims (check-worthiness, claims, predictions). "
                          "Each adds the ones before it; a later run adds missing stages to stored analyses.")
    ] = "techniques,actors,claims",
) -> None:
    """Analyze every stored article that the model has not analyzed yet; resumable at any point, and any
    number of runs (on one machine or several sharing a database) split the work."""
    from propaganda_lens.api import STAGES, stages_up_to
    from propaganda_lens.corpus.run import RunError, article_count, pending_count, run_corpus
    from propaganda_lens.detect.detector import ModelError

    named = [name.strip() for name in stages.split(",") if name.strip()]
    if not named or any(name not in STAGES for name in named):
        fail(f"--stages: give one or more of {', '.join(STAGES)}, separated by commas")
    chosen = stages_up_to(max(named, key=STAGES.index))
    sessions = open_store(db)
    version = chosen_version(model)
    total = pending_count(sessions, version, stages=chosen)
    if not total:
        if not article_count(sessions):
            fail("the corpus holds no article yet; add some with 'propaganda-lens corpus add SOURCE…'")
        stderr.print(f"nothing to do: every stored article has an analysis by {version} with {', '.join(chosen)}",
                     highlight=False)
        return
    started = time.monotonic()
    progress = None
    try:
        with progress_bar(total, "Analyzing", unit="articles") as advance:
            for progress in run_corpus(sessions, model, engine, workers, ray_address, article_timeout, lease,
                                       stages=chosen):
                advance(1, total=progress.total)
    except (ModelError, RunError) as error:
        fail(f"{error} ({progress.analyzed if progress else 0} articles stored before)")
    analyzed, failed = (progress.analyzed, progress.failed) if progress else (0, 0)
    elapsed = time.monotonic() - started
    stderr.print(f"{analyzed} articles analyzed by {version} in {elapsed:.1f} s "
                 f"({analyzed / elapsed:.2f} articles/s); {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


def grouping(value: str) -> tuple[str, ...]:
    from propaganda_lens.corpus.stats import GROUPINGS

    by = tuple(part.strip() for part in value.split(","))
    if not by or any(part not in GROUPINGS for part in by) or len(set(by)) != len(by):
        raise typer.BadParameter(f"give one or more of {', '.join(GROUPINGS)}, separated by commas")
    return by


def mix_text(mix: dict[str, float], precision: dict[str, float], top: int = 3) -> str:
    """'Loaded_Language 45% (p .61), …': the largest shares, each with the model's dev precision."""
    from propaganda_lens.catalogue import CATALOGUE

    parts = []
    for technique, share in list(mix.items())[:top]:
        known = f" (p {precision[technique]:.2f})" if technique in precision else " (p n/a)"
        parts.append(f"{CATALOGUE[technique].name} {share:.0%}{known}")
    return ", ".join(parts)


def rating_text(ratings: list[dict]) -> str:
    if not ratings:
        return "not rated"
    return "; ".join(f"{r['factuality']} factuality, {r['bias']} ({r['year']})" for r in ratings)


@corpus_app.command("stats")
def stats(
    db: DatabaseOption = None,
    model: ModelOption = None,
    by: Annotated[str, typer.Option(help="outlet, technique, month, or several with commas (outlet,technique).")] = "outlet",
    output_format: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    reviewed: ReviewedOption = False,
) -> None:
    """Articles, spans, spans per 1,000 words, share of text covered and technique mix, per group."""
    from propaganda_lens.catalogue import CATALOGUE
    from propaganda_lens.corpus.export import spreadsheet_safe
    from propaganda_lens.corpus.stats import NoAnalyses, stats_report

    try:
        keys = grouping(by)
    except typer.BadParameter as error:
        fail(f"--by: {error}")
    if output_format not in ("table", "json", "csv"):
        fail("--format must be table, json or csv")
    sessions = open_store(db)
    version = chosen_version(model)
    try:
        report = stats_report(sessions, version, keys, reviewed)
    except NoAnalyses:
        fail(f"no article has an analysis by {version} yet; run 'propaganda-lens corpus run' first")
    precision = report["technique_precision"]
    if output_format == "json":
        stdout.file.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    with_ratings = "outlet" in keys
    stderr.print(f"spans: {report['spans']}", highlight=False, soft_wrap=True)  # in the JSON, its "spans" field
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*keys, "articles", "spans", "spans_per_1000_words", "covered_share", "technique_mix",
                         *(["factuality", "bias", "rating_source"] if with_ratings else []),
                         *(["reviewed"] if reviewed else [])])
        for group in report["groups"]:
            ratings = group.get("ratings") or [{}]
            writer.writerow(map(spreadsheet_safe, [
                *(group[key] for key in keys), group["articles"], group["spans"], group["spans_per_1000_words"],
                group["covered_share"], ";".join(f"{t}:{share}" for t, share in group["technique_mix"].items()),
                *([ratings[0].get("factuality", ""), ratings[0].get("bias", ""), ratings[0].get("source", "")]
                  if with_ratings else []),
                *([group["reviewed"]] if reviewed else []),
            ]))
        stdout.file.write(buffer.getvalue())
        return
    table = Table(title=f"{report['articles']} articles analyzed by {version}, by {', '.join(keys)}",
                  caption="p: the share of the model's spans of that technique that matched annotators' on PTC dev "
                  "(n/a: it marked none there)"
                  + ("; ratings: Media Bias/Fact Check via Baly et al." if with_ratings else ""))
    for key in keys:
        table.add_column(key)
    for column in ("articles", "spans", "per 1k words", "covered"):
        table.add_column(column, justify="right")
    table.add_column("technique mix" if "technique" not in keys else "model precision")
    if with_ratings:
        table.add_column("rating")
    if reviewed:
        table.add_column("reviewed", justify="right")
    for group in report["groups"]:
        mix = mix_text(group["technique_mix"], precision) if "technique" not in keys else \
            (f"p {precision[group['technique']]:.2f}" if group["technique"] in precision else "p n/a")
        names = [CATALOGUE[group[key]].name if key == "technique" else str(group[key]) for key in keys]
        table.add_row(*map(escape, names), str(group["articles"]), str(group["spans"]),
                      f"{group['spans_per_1000_words']:.1f}", f"{group['covered_share']:.1%}", mix,
                      *([rating_text(group["ratings"])] if with_ratings else []),
                      *([str(group["reviewed"])] if reviewed else []))
    print_table(table)


@corpus_app.command("export")
def export(
    output: Annotated[str, typer.Option("-o", "--output", help="File to write, or - for standard output.")] = "-",
    output_format: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="jsonl, csv, parquet or semeval (default: from -o's suffix; jsonl on "
                     "standard output)."),
    ] = None,
    db: DatabaseOption = None,
    model: ModelOption = None,
    reviewed: ReviewedOption = False,
) -> None:
    """Write the corpus's analyses: JSON Lines of the analyze model, CSV or Parquet rows per span, PTC labels.
    With --reviewed, a reviewed article's analysis warns that its spans are reviewed, and CSV and Parquet
    rows have a review column (the reviewer's decision: accept, relabel or add; empty: the model's span)."""
    from propaganda_lens.corpus.export import analysis_count, export_corpus, write_export
    from propaganda_lens.corpus.reviews import reviewed_article_count, spans_shown

    suffixes = {".jsonl": ExportFormat.jsonl, ".csv": ExportFormat.csv, ".parquet": ExportFormat.parquet,
                ".labels": ExportFormat.semeval, ".txt": ExportFormat.semeval}
    to_stdout = output == "-"
    path = Path(output)
    chosen = output_format or (ExportFormat.jsonl if to_stdout else suffixes.get(path.suffix.lower()))
    if chosen is None:
        fail(f"no export format writes {path.suffix or 'files without a suffix'}; choose one with -f")
    if to_stdout and chosen is ExportFormat.parquet:
        fail("Parquet is not written to standard output; give a file with -o spans.parquet")
    sessions = open_store(db)
    version = chosen_version(model)
    if not analysis_count(sessions, version):
        fail(f"no article has an analysis by {version} yet; run 'propaganda-lens corpus run' first")
    try:
        count = write_export(sessions, version, chosen, sys.stdout, reviewed) if to_stdout else \
            export_corpus(sessions, version, chosen, path, reviewed)
    except ImportError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    shown = spans_shown(reviewed, reviewed_article_count(sessions, version) if reviewed else 0)
    stderr.print(f"{count} analyses by {version} written to {'standard output' if to_stdout else output} "
                 f"({chosen.value}; spans: {shown})", highlight=False, soft_wrap=True)


@corpus_app.command("report")
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="The dashboard file to write (.html).")] = Path("dashboard.html"),
    db: DatabaseOption = None,
    model: ModelOption = None,
    article_reports: Annotated[
        int, typer.Option(min=0, help="Write the reports of this many densest articles beside it, linked from it.")
    ] = 100,
    reviewed: ReviewedOption = False,
) -> None:
    """Write a self-contained HTML dashboard of the corpus, with the densest articles' own reports beside it."""
    from propaganda_lens.corpus.dashboard import dashboard_data, densest_ids, render_dashboard, report_folder
    from propaganda_lens.corpus.export import stored_analyses
    from propaganda_lens.corpus.reviews import reviewed_articles, reviewed_corrections
    from propaganda_lens.report.html import render_html
    from propaganda_lens.corpus.stats import NoAnalyses, corpus_facts
    from propaganda_lens.corpus.store import snapshot
    from propaganda_lens.files import write_text_atomically

    sessions = open_store(db)
    version = chosen_version(model)
    try:
        with snapshot(sessions) as session:  # one state of the database, however many runs commit meanwhile
            spans = reviewed_articles(session, version) if reviewed else None
            facts = corpus_facts(session, version, spans)
            data = dashboard_data(session, version, facts, spans)
    except NoAnalyses:
        fail(f"no article has an analysis by {version} yet; run 'propaganda-lens corpus run' first")
    folder = report_folder(output)
    linked = densest_ids(facts, article_reports)
    try:
        if linked:
            folder.mkdir(parents=True, exist_ok=True)
            reports = stored_analyses(sessions, version, linked)
            for article_row, analysis in with_progress(reports, len(linked), "Writing reports"):
                corrections = reviewed_corrections(sessions, article_row, version) if reviewed else None
                write_text_atomically(folder / f"{article_row.id}.html", render_html(analysis, corrections))
        chosen = set(linked)
        page = render_dashboard(data, lambda i: f"{folder.name}/{i}.html" if i in chosen else None)
        write_text_atomically(output, page)
    except OSError as error:
        fail(f"cannot write {error.filename or output}: {error.strerror}")
    stderr.print(f"dashboard of {len(facts)} articles written to {output}"
                 + (f", with {len(linked)} article reports in {folder}/" if linked else "") + f" (spans: {data['spans']})",
                 highlight=False, soft_wrap=True)
