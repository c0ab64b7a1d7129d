"""Commands in the SemEval-2020 Task 11 (PTC) formats: predict, classify-spans and evaluate."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from propaganda_lens.cli.app import app
from propaganda_lens.cli.common import (
    ModelOption, PlainUsage, fail, load_detector, report_problems, stderr, stdout, with_progress,
)
from propaganda_lens.data import Article, Span
from propaganda_lens.ingest.ptc import PtcFormatError, article_paths, read_article, read_labels, write_labels


class SpanTask(str, Enum):
    si = "si"
    flc = "flc"


class ScoreTask(str, Enum):
    si = "si"
    tc = "tc"
    flc = "flc"


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


def write_output(path: Path, labels: dict[str, list[Span]], with_technique: bool) -> None:
    try:
        write_labels(path, labels, with_technique)
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror}")
