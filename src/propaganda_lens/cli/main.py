"""The `propaganda-lens` command line."""

from __future__ import annotations

import os
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from propaganda_lens.cli.common import (
    ModelOption, PlainUsage, check_encoding, fail, print_table, report_problems, require_train_extra, stderr, stdout, with_progress,
)
from propaganda_lens.data import Article, Span
from propaganda_lens.files import atomic_writer
from propaganda_lens.ingest.fetch import MAX_BYTES
from propaganda_lens.ingest.ptc import PtcFormatError, article_paths, read_article, read_labels, write_labels
from propaganda_lens.ingest.sources import InputFormat

app = typer.Typer(
    epilog="""Examples:

\b
  propaganda-lens analyze article.md                  a colored report on the terminal
  propaganda-lens analyze article.md -o report.html   a self-contained HTML report
  propaganda-lens analyze https://example.org/story -f json
  propaganda-lens analyze 'corpus/**/*.txt' -o reports/
  propaganda-lens serve                               the web page and REST API
  propaganda-lens corpus add 'pages/**/*.html'        store articles, then: corpus run, stats, report

Run 'propaganda-lens COMMAND -h' for a command's options.""",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def show_version(wanted: bool) -> None:
    if wanted:
        from propaganda_lens import __version__

        print(f"propaganda-lens {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Find propaganda techniques in news articles (SemEval-2020 Task 11 techniques)."""


class SpanTask(str, Enum):
    si = "si"
    flc = "flc"


class ScoreTask(str, Enum):
    si = "si"
    tc = "tc"
    flc = "flc"


def load_detector(model: str | Path | None):
    from propaganda_lens.detect.detector import Detector, ModelError

    try:
        return Detector.from_disk(model)
    except (ModelError, OSError) as error:
        fail(f"cannot load the model: {error}")


def load_articles(folder: Path, problems: list[str]) -> list[Article]:
    """The readable articles of a folder; each unreadable one adds a line to `problems`."""
    try:
        paths = article_paths(folder)
    except PtcFormatError as error:
        fail(str(error))
    if not paths:
        fail(f"{folder}: no article<ID>.txt files found")
    articles = []
    for path in paths:
        try:
            articles.append(read_article(path))
        except (PtcFormatError, OSError) as error:
            problems.append(f"skipped {error}")
    return articles


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"
    semeval = "semeval"
    graphml = "graphml"
    gexf = "gexf"


SUFFIX_REPORT_FORMATS = {
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".json": ReportFormat.json,
    ".jsonl": ReportFormat.json,
    ".labels": ReportFormat.semeval,
    ".txt": ReportFormat.text,
    ".graphml": ReportFormat.graphml,
    ".gexf": ReportFormat.gexf,
}
REPORT_SUFFIXES = {ReportFormat.text: ".txt", ReportFormat.json: ".json", ReportFormat.html: ".html",
                   ReportFormat.semeval: ".labels", ReportFormat.graphml: ".graphml", ReportFormat.gexf: ".gexf"}
ONE_PER_FILE = (ReportFormat.html, ReportFormat.text, ReportFormat.graphml, ReportFormat.gexf)


def report_format(chosen: ReportFormat | None, output: Path | None) -> ReportFormat:
    """--format if given, else the output file's suffix (JSON without one), else text on a terminal and
    JSON in a pipe. A suffix that no format has is an error: the user expects that format."""
    if chosen is not None:
        return chosen
    if output is None:
        return ReportFormat.text if stdout.is_terminal else ReportFormat.json
    suffix = output.suffix.lower()
    if suffix and suffix not in SUFFIX_REPORT_FORMATS:
        known = ", ".join(sorted(SUFFIX_REPORT_FORMATS))
        fail(f"no report format writes {suffix} files; name the output with {known}, or choose one with -f")
    return SUFFIX_REPORT_FORMATS.get(suffix, ReportFormat.json)


def report_of(analysis, output_format: ReportFormat, console: Console, several: bool) -> None:
    """Write one analysis to `console` in the chosen format; several JSON analyses go one per line."""
    if output_format is ReportFormat.json:
        console.file.write(analysis.to_json(indent=None if several else 2) + "\n")
    elif output_format is ReportFormat.html:
        from propaganda_lens.report.html import render_html

        console.file.write(render_html(analysis))
    elif output_format is ReportFormat.semeval:
        from propaganda_lens.ingest.ptc import format_labels

        console.file.write(format_labels({analysis.article.id: analysis.spans}, with_technique=True))
    elif output_format in (ReportFormat.graphml, ReportFormat.gexf):
        from propaganda_lens.report.graph import to_gexf, to_graphml

        console.file.write(to_graphml(analysis) if output_format is ReportFormat.graphml else to_gexf(analysis))
    else:
        from propaganda_lens.report.terminal import render

        console.print(render(analysis))


def unused_path(folder: Path, stem: str, suffix: str, taken: set[Path]) -> Path:
    """folder/stem+suffix, or with -2, -3 … appended when an earlier input of this run took that name."""
    path, number = folder / f"{stem}{suffix}", 1
    while path in taken:
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    taken.add(path)
    return path


@app.command(cls=PlainUsage)
def analyze(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders, glob patterns, http(s) URLs, or - for standard input.",
            show_default=False,
            metavar="SOURCE",
        ),
    ],
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="text, json, html, semeval, or graphml or gexf (the actors and relations, for Gephi) (default: from -o's "
             "suffix; text on a terminal, json otherwise)."),
    ] = None,
    output_name: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", metavar="PATH",
            help="File to write (its suffix sets the format), or a folder for one file per input: an existing "
            "folder, a name ending in /, or any name when several html or text reports are asked for.",
        ),
    ] = None,
    input_format: Annotated[
        InputFormat, typer.Option("--input-format", help="auto, text, markdown or html.")
    ] = InputFormat.auto,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the inputs (default: detected).")] = None,
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Span probability cut-off (default: tuned).")
    ] = None,
    max_bytes: Annotated[int, typer.Option(min=1, help="Largest input accepted, in bytes.")] = MAX_BYTES,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds allowed for downloading a URL.")] = 20.0,
    model: ModelOption = None,
) -> None:
    """Find, label and explain the propaganda techniques of articles: text, Markdown or HTML."""
    from propaganda_lens.api import analyze as analyze_article, load_stages
    from propaganda_lens.ingest.errors import IngestError
    from propaganda_lens.ingest.fetch import FetchLimits
    from propaganda_lens.ingest.sources import expand_sources, read_source

    output = Path(output_name) if output_name is not None else None
    wants_folder = output is not None and (output_name.endswith(("/", os.sep)) or output.is_dir())
    chosen = report_format(output_format, None if wants_folder else output)
    check_encoding(encoding)
    paths, problems = expand_sources(sources)
    if not paths:
        report_problems(problems or ["no input given"])
    several = len(paths) > 1
    to_folder = wants_folder or output is not None and several and chosen in ONE_PER_FILE
    if several and chosen in ONE_PER_FILE and chosen is not ReportFormat.text and output is None:
        fail(f"several inputs make several {chosen.value} files: give a folder with -o")
    if output is not None and any(Path(path).resolve() == output.resolve() for path in paths if path != "-"):
        fail(f"{output} is one of the inputs; choose another output so that it is not overwritten")
    if to_folder and output.is_file():
        fail(f"{output} is a file; several {chosen.value} reports need a folder for -o")
    limits = FetchLimits(timeout_s=timeout, max_bytes=max_bytes)
    load_stages(background=True)  # spaCy and the claim model load while the detector does
    detector = load_detector(model)
    taken: set[Path] = set()
    written = 0
    # Every file is written atomically: a killed run leaves the earlier report or the new one, never a part.
    try:
        with ExitStack() as stack:
            if to_folder:
                output.mkdir(parents=True, exist_ok=True)
                sink = None
            elif output is None:
                sink = stdout
            else:
                sink = Console(file=stack.enter_context(atomic_writer(output)), width=100, no_color=True)
            # The bar shows only while reports go to files: one printed to the terminal would break it.
            for path in with_progress(paths, len(paths), "Analyzing", shown=output is not None):
                try:
                    article = read_source(path, input_format, encoding, limits)
                except IngestError as error:
                    problems.append(str(error))
                    continue
                analysis = analyze_article(article, detector=detector, threshold=threshold)
                for warning in analysis.warnings:  # also on stderr: JSON and SemEval readers may not look
                    stderr.print(f"[bold yellow]warning:[/] {escape(path)}: {escape(warning)}", highlight=False, soft_wrap=True)
                if to_folder:
                    target = unused_path(output, article.id, REPORT_SUFFIXES[chosen], taken)
                    with atomic_writer(target) as handle:
                        report_of(analysis, chosen, Console(file=handle, width=100, no_color=True), several=False)
                else:
                    report_of(analysis, chosen, sink, several)
                written += 1
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    if output is not None:
        stderr.print(f"{written} of {len(paths)} inputs analyzed; {chosen.value} written to {output}")
    report_problems(problems)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Analyses that run at the same time.")] = 2,
    queue: Annotated[int, typer.Option(min=0, help="Analyses that may wait; past them requests get 503.")] = 16,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds allowed per analysis (504 past it).")] = 30.0,
    max_body_bytes: Annotated[int, typer.Option(min=1000, help="Largest request body (413 past it).")] = 2_000_000,
    allow_private_urls: Annotated[
        bool, typer.Option(help="Let the API fetch loopback, private and link-local addresses.")
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(help="Another Host header to answer (repeatable; '*' for any). Default: loopback names and --host."),
    ] = None,
    model: ModelOption = None,
    db: Annotated[
        str | None, typer.Option("--db", metavar="URL", help="A corpus database: its dashboard is served at /corpus.")
    ] = None,
) -> None:
    """Serve the web page and the REST API (FastAPI under uvicorn); each worker process loads the model once."""
    import socket

    import uvicorn

    from propaganda_lens.corpus.store import StoreError
    from propaganda_lens.detect.detector import ModelError
    from propaganda_lens.server.app import LOOPBACK_HOSTS, ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource

    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror}; choose another --host or --port")
    settings = ServerSettings(workers=workers, queue=queue, timeout_s=timeout, max_body_bytes=max_body_bytes,
                              allow_private_urls=allow_private_urls,
                              allowed_hosts=(*LOOPBACK_HOSTS, host, *(allowed_host or [])), corpus_database=db)
    try:  # a bad model folder or database is one clear line here, not a failing worker later
        app = create_app(ModelSource(model), settings)
    except (ModelError, OSError) as error:
        fail(f"cannot load the model: {error}")
    except StoreError as error:
        fail(str(error))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    corpus = ", the corpus dashboard at /corpus" if db else ""
    stderr.print(f"propaganda-lens: open http://{host}:{port}/ (API docs at /api/docs{corpus}); Ctrl+C stops it",
                 soft_wrap=True)
    server.run(sockets=[listener])


@app.command(cls=PlainUsage)
def predict(
    articles_dir: Annotated[Path, typer.Argument(help="Folder of article<ID>.txt files.", metavar="ARTICLES_DIR")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Label file to write.")],
    task: Annotated[SpanTask, typer.Option(help="si: spans only; flc: spans with techniques.")] = SpanTask.flc,
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Span probability cut-off (default: tuned).")
    ] = None,
    model: ModelOption = None,
) -> None:
    """Find propaganda spans in every article of a folder; write them in the PTC label format."""
    problems: list[str] = []
    articles = load_articles(articles_dir, problems)
    detector = load_detector(model)
    predictions: dict[str, list[Span]] = {}
    for article in with_progress(articles, len(articles), "Detecting"):
        predictions[article.id] = detector.find_spans(article.text, threshold)
    write_output(output, predictions, with_technique=task is SpanTask.flc)
    count = sum(len(spans) for spans in predictions.values())
    stderr.print(f"{count} spans in {len(articles)} articles written to {output}")
    report_problems(problems)


@app.command("classify-spans", cls=PlainUsage)
def classify_spans(
    articles_dir: Annotated[Path, typer.Argument(help="Folder of article<ID>.txt files.", metavar="ARTICLES_DIR")],
    spans: Annotated[Path, typer.Option("--spans", help="Template file: ID, ?, start, end per row.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Label file to write.")],
    model: ModelOption = None,
) -> None:
    """Label each span of a template with its technique (the TC task)."""
    problems: list[str] = []
    articles = {article.id: article for article in load_articles(articles_dir, problems)}
    try:
        template = read_labels(spans)
    except (PtcFormatError, OSError, UnicodeDecodeError) as error:
        fail(f"cannot read the span template: {error}")
    detector = load_detector(model)
    labelled: dict[str, list[Span]] = {}
    for article_id in with_progress(sorted(template), len(template), "Classifying"):
        if article_id not in articles:
            problems.append(f"article {article_id}: not in {articles_dir}; its spans were left out")
            continue
        try:
            labelled[article_id] = detector.classify_spans(articles[article_id].text, template[article_id])
        except ValueError as error:
            problems.append(f"article {article_id}: {error}; its spans were left out")
    write_output(output, labelled, with_technique=True)
    stderr.print(f"{sum(len(s) for s in labelled.values())} spans labelled, written to {output}")
    report_problems(problems)


@app.command()
def evaluate(
    task: Annotated[ScoreTask, typer.Option(help="si, tc or flc.")],
    gold: Annotated[Path, typer.Option(help="Gold label file or folder of per-article label files.")],
    pred: Annotated[Path, typer.Option(help="Predicted label file.")],
) -> None:
    """Score predictions against gold labels with the SemEval-2020 Task 11 measures."""
    from propaganda_lens.scoring import score_flc, score_si, score_tc, span_precision

    try:
        gold_labels, predicted_labels = read_labels(gold), read_labels(pred)
    except (PtcFormatError, OSError, UnicodeDecodeError) as error:
        fail(str(error))
    unknown = sorted(set(predicted_labels) - set(gold_labels))
    if unknown and task is ScoreTask.tc:
        fail(f"{pred}: {len(unknown)} article IDs are not in the gold labels, e.g. {unknown[0]}")
    scorer = {ScoreTask.si: score_si, ScoreTask.tc: score_tc, ScoreTask.flc: score_flc}[task]
    score = scorer(gold_labels, predicted_labels)
    # FLC also gives the share of predicted spans that overlap a gold span of their technique, the
    # precision the reports show beside each technique.
    overlap = span_precision(gold_labels, predicted_labels) if task is ScoreTask.flc else {}
    table = Table(title=f"{task.value.upper()} scores")
    columns = ["", "precision", "recall", "F1"] + (["spans right"] if overlap else [])
    for column in columns:
        table.add_column(column, justify="right" if column else "left")
    table.add_row("all", f"{score.precision:.4f}", f"{score.recall:.4f}", f"{score.f1:.4f}", style="bold")
    for technique, part in score.per_technique.items():
        right = [f"{overlap[technique]:.4f}" if technique in overlap else "-"] if overlap else []
        table.add_row(technique, f"{part.precision:.4f}", f"{part.recall:.4f}", f"{part.f1:.4f}", *right)
    stdout.print(table)


@app.command("models")
def models() -> None:
    """List the shipped models: dev scores, speed, size and intended use."""
    import json

    from propaganda_lens.detect.detector import DEFAULT_MODEL_NAME, SHIPPED_MODELS, recorded_speed, shipped_model_path

    table = Table(title="Shipped models", caption="SI and TC F1: PTC dev, as `export` scored the shipped weights. "
                  "Speed: benchmarks/speed.py, 75 dev articles, 2 CPU cores.")
    numeric = ("SI F1", "TC F1", "speed", "size")
    for column in ("name", "folder", "weights", *numeric, "use"):
        table.add_column(column, justify="right" if column in numeric else "left")
    for shipped in SHIPPED_MODELS:
        folder = shipped_model_path(shipped.folder)
        evaluation = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
        scores = evaluation["variants"][evaluation["variant"]]
        size = sum(path.stat().st_size for path in folder.iterdir()) / 1e6
        name = shipped.name + (" (default)" if shipped.name == DEFAULT_MODEL_NAME else "")
        table.add_row(name, folder.name, evaluation["variant"], f"{scores['si_f1']:.4f}", f"{scores['tc_f1']:.4f}",
                      recorded_speed(folder), f"{size:.0f} MB", shipped.use)
    print_table(table)


@app.command("evaluate-model")
def evaluate_model(
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (dev-articles/, dev-labels-task-si/ …).")],
    model: ModelOption = None,
    split: Annotated[str, typer.Option(help="The labelled split to score: dev (or train).")] = "dev",
    decodings: Annotated[
        bool, typer.Option("--decodings", help="Also give the best SI F1 of each decoding family over export's grid.")
    ] = False,
    reliability_diagram: Annotated[
        Path | None, typer.Option(metavar="PNG", help="Also draw the reliability diagram of both ECEs (train extra).")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Write the dev scores into the model's evaluation.json (after refit-head or calibrate).")
    ] = False,
) -> None:
    """Score a model as a reader meets it: SI, TC, FLC, calibration and span boundaries on a PTC split."""
    from propaganda_lens.detect.detector import model_folder
    from propaganda_lens.train.evaluation import (
        DECODING_GRID,
        encode_split,
        evaluate_split,
        reader_measures,
        record_scores,
    )
    from propaganda_lens.train.examples import load_split

    if split not in ("dev", "train"):
        fail("--split must be dev or train: the test articles have no public labels, and are kept for independent evaluation")
    if record and split != "dev":
        fail("--record writes dev scores: use it with --split dev")
    try:
        labelled = load_split(ptc, split)
    except (PtcFormatError, OSError) as error:
        fail(f"cannot read the {split} split of {ptc}: {error}")
    detector = load_detector(model)
    states = encode_split(detector, labelled, lambda ids: with_progress(ids, len(labelled.articles), "Scoring"))
    measures, calibration = reader_measures(detector, labelled, states=states)
    if decodings:
        tuned = evaluate_split(detector, labelled, DECODING_GRID, states=states).si_by_decoding
        for family, viterbi in (("threshold rule", False), ("Viterbi", True)):
            best = max((decoding for decoding in tuned if decoding.viterbi == viterbi), key=lambda d: tuned[d].f1)
            measures[f"si_f1_best_{family.replace(' ', '_').lower()}"] = tuned[best].f1
            measures[f"best_{family.replace(' ', '_').lower()}"] = (
                f"threshold {best.threshold}, join {best.join_gap}, min {best.min_chars}"
            )
    title = f"{detector.config.name} on PTC {split} ({len(labelled.articles)} articles)"
    print_measures(title, measures)
    if record:
        try:
            record_scores(model_folder(model), detector, labelled, states, measures)
        except (OSError, ValueError, KeyError) as error:
            fail(f"cannot record the scores in the model's evaluation.json: {error}")
    if reliability_diagram is not None:
        require_train_extra()
        from propaganda_lens.train.reliability import write_reliability_diagram

        try:
            write_reliability_diagram(reliability_diagram, title, calibration)
        except OSError as error:
            fail(f"cannot write {reliability_diagram}: {error.strerror}")


def print_measures(title: str, measures: dict[str, float | str]) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in measures.items():
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    stdout.print(table)


@app.command("train")
def train_command(
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/, dev-articles/ …).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Run folder: checkpoints, log, best network.")],
    epochs: int = 4,
    batch_size: int = 16,
    learning_rate: float = 8e-5,
    seed: int = 13,
    train_window_stride: Annotated[int, typer.Option(help="Token stride of training windows (254: no overlap).")] = 192,
    frozen_layers: Annotated[int, typer.Option(help="Keep embeddings and this many lowest layers fixed.")] = 0,
    base_model: Annotated[str, typer.Option(help="minilm, mpnet, or an encoder folder.")] = "minilm",
    resume: Annotated[bool, typer.Option(help="Continue from OUTPUT/checkpoint.pt if present.")] = False,
    threads: Annotated[int | None, typer.Option(help="torch CPU threads (default: all cores).")] = None,
    holdout_share: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of train articles kept out of training, to fit calibration.")
    ] = 0.0,
    teacher: Annotated[
        str | None, typer.Option(help="A model (name or folder) to distil: its soft targets join the gold labels.")
    ] = None,
    distill_weight: Annotated[float, typer.Option(min=0.0, max=1.0, help="The soft targets' share of each loss.")] = 0.5,
    technique_weight_power: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Weight rare techniques in the span loss: (mean count / count) ** power."),
    ] = 0.0,
    sentence_weight: Annotated[
        float,
        typer.Option(min=0.0, help="Weight of the auxiliary loss of a training-only sentence head (0: none)."),
    ] = 0.0,
) -> None:
    """Fine-tune the detector on PTC train; scores dev after each epoch (needs the `train` extra)."""
    require_train_extra()
    from propaganda_lens.train import base_models
    from propaganda_lens.detect.detector import ModelError
    from propaganda_lens.train.loop import TrainSettings, train

    try:
        base = base_models.resolve(base_model)
    except (OSError, ValueError) as error:
        fail(str(error))
    settings = TrainSettings(
        ptc_folder=ptc,
        base_model=base,
        output=output,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        train_window_stride=train_window_stride,
        frozen_layers=frozen_layers,
        threads=threads,
        holdout_share=holdout_share,
        teacher=teacher,
        distill_weight=distill_weight,
        technique_weight_power=technique_weight_power,
        sentence_weight=sentence_weight,
    )
    try:
        best = train(settings, resume=resume)
    except (PtcFormatError, OSError, ModelError) as error:
        fail(str(error))
    stderr.print(f"best network: {best}")


@app.command("calibrate", cls=PlainUsage)
def calibrate_command(
    model_folder: Annotated[Path, typer.Argument(help="Model folder to calibrate (rewritten in place).", metavar="MODEL_DIR")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/ …).")],
    articles: Annotated[Path, typer.Option(help="Train article ids held out of training, one per line (a run's holdout.txt).")],
) -> None:
    """Fit the technique temperature and the span probability map on held-out train articles (train extra)."""
    require_train_extra()
    from propaganda_lens.detect.detector import CONFIG_FILE
    from propaganda_lens.train.calibration import calibrate

    detector = load_detector(model_folder)
    _, held_out = split_by_holdout(ptc, articles)
    config, measures = calibrate(detector, held_out)
    config.to_file(model_folder / CONFIG_FILE)
    rewrite_checksums(model_folder)
    print_measures(f"calibration of {config.name} on {len(held_out.articles)} held-out train articles", measures)


def split_by_holdout(ptc: Path, articles: Path):
    """(kept, held out): PTC train split by a run's list of held-out article ids."""
    from propaganda_lens.train.examples import Split, load_split

    try:
        wanted = {line.strip() for line in articles.read_text(encoding="utf-8").splitlines() if line.strip()}
        train = load_split(ptc, "train")
    except (PtcFormatError, OSError) as error:
        fail(str(error))
    unknown = sorted(wanted - set(train.articles))
    if unknown or not wanted:
        fail(f"{articles}: fits only on train articles kept out of training; not train articles: "
             f"{', '.join(unknown[:3]) or 'none listed'}")

    def part(ids: list[str]) -> Split:
        return Split({i: train.articles[i] for i in ids}, {i: train.si[i] for i in ids}, {i: train.techniques[i] for i in ids})

    return part(sorted(set(train.articles) - wanted)), part(sorted(wanted))


def rewrite_checksums(model_folder: Path, added: tuple[str, ...] = ()) -> None:
    """Recompute the checksums of the files a model folder lists, and of the `added` files."""
    from propaganda_lens.detect.detector import CHECKSUM_FILE, write_checksums

    listed = [line.split(maxsplit=1)[1] for line in (model_folder / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()]
    write_checksums(model_folder, sorted(set(listed) | set(added)))


@app.command("refit-head", cls=PlainUsage)
def refit_head_command(
    model_folder: Annotated[Path, typer.Argument(help="Model folder whose span head to refit (rewritten in place).", metavar="MODEL_DIR")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/ …).")],
    articles: Annotated[Path, typer.Option(help="Train article ids held out of training (a run's holdout.txt); not fitted on.")],
    epochs: Annotated[int, typer.Option(min=1, metavar="<int>")] = 10,
    learning_rate: Annotated[float, typer.Option(min=0.0, metavar="<float>")] = 5e-4,
    label_smoothing: Annotated[float, typer.Option(min=0.0, max=0.9, metavar="<float>")] = 0.2,
    seed: Annotated[int, typer.Option(metavar="<int>")] = 0,
    prior_strength: Annotated[
        float, typer.Option(min=0.0, metavar="<float>", help="Weight of the span-text priors (0: none).")
    ] = 1.0,
    prior_smoothing: Annotated[float, typer.Option(min=0.01, metavar="<float>", help="Their additive smoothing.")] = 0.5,
) -> None:
    """Refit the technique span head on the model's own encoder states of train's gold spans and write the
    span-text priors of those spans; resets the calibration, so run `calibrate` next (train extra)."""
    require_train_extra()
    from dataclasses import replace

    from propaganda_lens.detect.detector import CONFIG_FILE
    from propaganda_lens.detect.priors import PRIORS_FILE
    from propaganda_lens.train.span_head import refit

    detector = load_detector(model_folder)
    kept, _ = split_by_holdout(ptc, articles)
    train_tc = refit(detector, kept, model_folder, epochs, learning_rate, label_smoothing, seed,
                     lambda ids: with_progress(ids, len(kept.articles), "Encoding"))
    replace(detector.config, technique_temperature=1.0, span_calibration=None, span_prior_strength=prior_strength,
            span_prior_smoothing=prior_smoothing).to_file(model_folder / CONFIG_FILE)
    rewrite_checksums(model_folder, added=(PRIORS_FILE,))
    print_measures(f"span head of {detector.config.name} refitted on {len(kept.articles)} train articles",
                   {"train_tc_f1": train_tc, "epochs": epochs, "label_smoothing": label_smoothing, "seed": seed,
                    "prior_strength": prior_strength})


def write_output(path: Path, labels: dict[str, list[Span]], with_technique: bool) -> None:
    try:
        write_labels(path, labels, with_technique)
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror}")


@app.command("average", cls=PlainUsage)
def average_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `train` (best.pt, checkpoint.pt).", metavar="RUN")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Run folder to write, for `export`.")],
) -> None:
    """Average the best epoch's weights with the last epoch's into a new run folder (train extra)."""
    require_train_extra()
    from propaganda_lens.train.averaging import average_run

    try:
        average_run(run, output)
    except (OSError, ValueError, KeyError) as error:
        fail(f"cannot average {run}: {error}")
    stderr.print(f"averaged network written to {output / 'best.pt'}; export it with 'propaganda-lens export {output}'")


@app.command("export", cls=PlainUsage)
def export_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `train` (best.pt, checkpoint.pt).", metavar="RUN")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder, for the dev evaluation.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model folder to (re)write.")],
    weights: Annotated[
        str, typer.Option(help="auto (int8 if it costs at most 1 F1 point, else fp32), int8 or fp32.")
    ] = "auto",
    window_stride: Annotated[
        int | None,
        typer.Option(min=1, help="Token stride of the model's windows at inference (default: the run's; 254: no overlap)."),
    ] = None,
) -> None:
    """Export a trained run to an ONNX model folder (int8 if it costs ≤ 1 F1 point), scored on dev."""
    require_train_extra()
    from propaganda_lens.train.export import export
    from propaganda_lens.train.loop import TrainSettings

    try:
        settings = TrainSettings.of_run(run)
        settings.ptc_folder = ptc
        if window_stride is not None:
            if window_stride > settings.window_size - 2:
                fail(f"--window-stride must be at most {settings.window_size - 2} (the window less [CLS] and [SEP])")
            settings.window_stride = window_stride
        if weights not in ("auto", "int8", "fp32"):
            fail("--weights must be auto, int8 or fp32")
        scores = export(run, settings, output, output.name, weights)
    except (PtcFormatError, OSError) as error:
        fail(str(error))
    stderr.print(f"dev SI F1 {scores.si.f1:.4f}, TC F1 {scores.tc.f1:.4f}, FLC F1 {scores.flc.f1:.4f}")
from propaganda_lens.cli.corpus import corpus_app  # noqa: E402 - registered after the commands above

app.add_typer(corpus_app, name="corpus")

from propaganda_lens.cli.claims import register as register_claim_commands  # noqa: E402

register_claim_commands(app)
