"""Commands for check-worthy claims: score sentences (`claims`), and train and export the claim model."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, TextIO

import typer

from propaganda_lens.cli.common import PlainUsage, fail, progress_bar, require_train_extra, stderr
from propaganda_lens.files import atomic_writer

BATCH_LINES = 256
TSV_HEADER = ("Sentence_id", "Text")


def sentences_of(handle: TextIO) -> Iterator[tuple[str, str]]:
    """(id, text) pairs from a CheckThat! TSV (a header naming Sentence_id and Text) or from plain lines
    (the id is the line number; blank lines are skipped)."""
    first = handle.readline()
    header = first.rstrip("\r\n").split("\t")
    if all(column in header for column in TSV_HEADER):
        id_column, text_column = header.index("Sentence_id"), header.index("Text")
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=2):
            if len(row) <= max(id_column, text_column):
                raise ValueError(f"line {number}: expected the {len(header)} columns of the header, found {len(row)}")
            yield row[id_column], row[text_column]
        return
    for number, line in enumerate([first, *handle], start=1):
        if line.strip():
            yield str(number), line.strip()


def batches(items: Iterator[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def claims_command(
    source: Annotated[str, typer.Argument(help="One sentence per line, or a CheckThat! TSV with Sentence_id and Text columns; - for standard input.", metavar="FILE")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (default: standard output).")] = None,
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Check-worthiness cut-off for Yes (default: tuned on CheckThat! dev).")
    ] = None,
) -> None:
    """Score each sentence's check-worthiness: writes Sentence_id<TAB>Yes|No<TAB>probability, as CheckThat! scorers read."""
    from propaganda_lens.claims import shipped_checkworthiness_model
    from propaganda_lens.detect.detector import ModelError

    try:
        model = shipped_checkworthiness_model()
    except ModelError as error:
        fail(str(error))
    cut = model.config.threshold if threshold is None else threshold
    if source != "-" and not Path(source).is_file():
        fail(f"{source}: no such file")
    if output is not None and source != "-" and Path(source).resolve() == output.resolve():
        fail(f"{output} is the input; choose another output so that it is not overwritten")
    written = 0
    try:
        with ExitStack() as stack:
            handle = sys.stdin if source == "-" else stack.enter_context(open(source, encoding="utf-8", newline=""))
            sink = sys.stdout if output is None else stack.enter_context(atomic_writer(output))
            advance = stack.enter_context(progress_bar(None, "Scoring", shown=output is not None, unit="sentences"))
            for batch in batches(sentences_of(handle), BATCH_LINES):
                probabilities = model.probabilities([text for _, text in batch])
                for (sentence_id, _), probability in zip(batch, probabilities):
                    sink.write(f"{sentence_id}\t{'Yes' if probability >= cut else 'No'}\t{probability:.4f}\n")
                written += len(batch)
                advance(len(batch))
            if written == 0:
                fail(f"{source}: no sentences")  # inside the block: no empty output file is left
    except UnicodeDecodeError:
        fail(f"{source}: not UTF-8 text")
    except ValueError as error:
        fail(f"{source}: {error}")
    except OSError as error:
        fail(f"cannot read {source} or write {output}: {error.strerror}")
    if output is not None:
        stderr.print(f"{written} sentences scored; written to {output}")


def train_claims_command(
    ct24: Annotated[Path, typer.Option(help="The CheckThat! 2024 Task 1 English folder (CT24_checkworthy_english_*.tsv).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Run folder: log and best network.")],
    epochs: int = 3,
    batch_size: int = 32,
    learning_rate: float = 4e-5,
    base_model: Annotated[str, typer.Option(help="minilm, mpnet, or an encoder folder.")] = "minilm",
    threads: Annotated[int | None, typer.Option(help="torch CPU threads (default: all cores).")] = None,
) -> None:
    """Fine-tune the check-worthiness classifier on CT24 train; picks epoch and threshold on dev (needs `train`)."""
    require_train_extra()
    from propaganda_lens.train import base_models
    from propaganda_lens.train.checkworthiness import train_checkworthiness

    try:
        base = base_models.resolve(base_model)
        best = train_checkworthiness(ct24, base, output, epochs, batch_size, learning_rate, threads=threads)
    except (OSError, ValueError) as error:
        fail(str(error))
    stderr.print(f"best network: {best}")


def export_claims_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `train-claims`.", metavar="RUN")],
    ct24: Annotated[Path, typer.Option(help="The CheckThat! 2024 Task 1 English folder, to score the export.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model folder to write.")],
    base_model: Annotated[str, typer.Option(help="The encoder the run fine-tuned.")] = "minilm",
) -> None:
    """Export a check-worthiness run to an int8 ONNX model folder and score it on CT24 dev and dev-test."""
    require_train_extra()
    from propaganda_lens.train import base_models
    from propaganda_lens.train.checkworthiness import export_checkworthiness

    try:
        evaluation = export_checkworthiness(run, base_models.resolve(base_model), ct24, output)
    except (OSError, ValueError) as error:
        fail(str(error))
    stderr.print(f"{output}: dev-test positive-class F1 {evaluation['dev-test']['f1']:.4f}")


def register(app: typer.Typer) -> None:
    app.command("claims", cls=PlainUsage)(claims_command)
    app.command("train-claims", cls=PlainUsage)(train_claims_command)
    app.command("export-claims", cls=PlainUsage)(export_claims_command)
