"""The `propaganda-lens` command line."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from propaganda_lens.data import Article, Span
from propaganda_lens.ingest.ptc import PtcFormatError, article_paths, read_article, read_labels, write_labels

app = typer.Typer(
    help="Find propaganda techniques in news articles (SemEval-2020 Task 11 techniques).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stdout = Console()
stderr = Console(stderr=True)
T = TypeVar("T")


class SpanTask(str, Enum):
    si = "si"
    flc = "flc"


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class ScoreTask(str, Enum):
    si = "si"
    tc = "tc"
    flc = "flc"


def print_error(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 1."""
    print_error(message)
    raise typer.Exit(1)


def with_progress(items: Iterable[T], total: int, description: str) -> Iterator[T]:
    """Iterate with a progress bar on stderr (hidden when stderr is not a terminal)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True, disable=not stderr.is_terminal) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)


def load_detector(model: Path | None):
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


def report_problems(problems: list[str]) -> None:
    """After a batch: one line per item that failed, then a non-zero exit if any did."""
    for problem in problems:
        print_error(problem)
    if problems:
        raise typer.Exit(1)


ModelOption = Annotated[
    Path | None, typer.Option("--model", help="Model folder (default: the model shipped with the package).")
]


@app.command()
def analyze(
    source: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    output_format: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    model: ModelOption = None,
) -> None:
    """Find and label the propaganda technique spans of one article."""
    from propaganda_lens.api import analyze as analyze_text
    from propaganda_lens.report.terminal import render

    if source == "-":
        text, name = sys.stdin.read(), "stdin"
    else:
        path = Path(source)
        if not path.is_file():
            fail(f"{source}: no such file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            fail(f"{source}: not UTF-8 text")
        except OSError as error:
            fail(f"{source}: {error.strerror}")
        name = path.stem
    if not text.strip():
        fail(f"{source}: the text is empty")
    analysis = analyze_text(text, article_id=name, source=source, detector=load_detector(model))
    def emit(console: Console) -> None:
        if output_format is OutputFormat.json:
            console.file.write(analysis.to_json() + "\n")
        else:
            console.print(render(analysis))

    if output is None:
        emit(stdout)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            emit(Console(file=handle, width=100, no_color=True))
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    stderr.print(f"{len(analysis.spans)} spans written to {output}")


@app.command()
def predict(
    articles_dir: Annotated[Path, typer.Argument(help="Folder of article<ID>.txt files.")],
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


@app.command("classify-spans")
def classify_spans(
    articles_dir: Annotated[Path, typer.Argument(help="Folder of article<ID>.txt files.")],
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
    from propaganda_lens.scoring import score_flc, score_si, score_tc

    try:
        gold_labels, predicted_labels = read_labels(gold), read_labels(pred)
    except (PtcFormatError, OSError, UnicodeDecodeError) as error:
        fail(str(error))
    unknown = sorted(set(predicted_labels) - set(gold_labels))
    if unknown and task is ScoreTask.tc:
        fail(f"{pred}: {len(unknown)} article IDs are not in the gold labels, e.g. {unknown[0]}")
    scorer = {ScoreTask.si: score_si, ScoreTask.tc: score_tc, ScoreTask.flc: score_flc}[task]
    score = scorer(gold_labels, predicted_labels)
    table = Table(title=f"{task.value.upper()} scores")
    for column in ("", "precision", "recall", "F1"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("all", f"{score.precision:.4f}", f"{score.recall:.4f}", f"{score.f1:.4f}", style="bold")
    for technique, part in score.per_technique.items():
        table.add_row(technique, f"{part.precision:.4f}", f"{part.recall:.4f}", f"{part.f1:.4f}")
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
) -> None:
    """Fine-tune the detector on PTC train; scores dev after each epoch (needs the `train` extra)."""
    require_train_extra()
    from propaganda_lens.train import base_models
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
    )
    try:
        best = train(settings, resume=resume)
    except (PtcFormatError, OSError) as error:
        fail(str(error))
    stderr.print(f"best network: {best}")


def require_train_extra() -> None:
    """Fail in one line unless the `train` extra is installed; then show our progress log on stderr."""
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        fail(f"this command needs the train extra: pip install 'propaganda-lens[train]' ({error})")
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("propaganda_lens").setLevel(logging.INFO)


def write_output(path: Path, labels: dict[str, list[Span]], with_technique: bool) -> None:
    try:
        write_labels(path, labels, with_technique)
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror}")


@app.command("export")
def export_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `train` (best.pt, checkpoint.pt).")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder, for the dev evaluation.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model folder to (re)write.")],
) -> None:
    """Export a trained run to an ONNX model folder (int8 if it costs ≤ 1 F1 point), scored on dev."""
    require_train_extra()
    from propaganda_lens.train.export import export
    from propaganda_lens.train.loop import TrainSettings

    try:
        settings = TrainSettings.of_run(run)
        settings.ptc_folder = ptc
        scores = export(run, settings, output, output.name)
    except (PtcFormatError, OSError) as error:
        fail(str(error))
    stderr.print(f"dev SI F1 {scores.si.f1:.4f}, TC F1 {scores.tc.f1:.4f}, FLC F1 {scores.flc.f1:.4f}")
