"""Commands for check-worthy claims: score sentences (`claims`), and train and export the claim model."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import chain
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from propaganda_lens.cli.common import PlainUsage, fail, progress_bar, require_train_extra, stderr
from propaganda_lens.files import atomic_writer

BATCH_LINES = 256
MAX_LINE_BYTES = 100_000  # a sentence; CheckThat! sentences are under 2,000 bytes
MAX_BYTES = 100_000_000
TSV_HEADER = ("Sentence_id", "Text")


def sentences_of(handle: BinaryIO, max_bytes: int = MAX_BYTES) -> Iterator[tuple[str, str]]:
    """(id, text) pairs from a CheckThat! TSV (a header naming Sentence_id and Text) or from plain lines
    (the id is the line number); blank lines are skipped. One dialect for the header and the rows: UTF-8,
    a BOM at the start dropped, fields split at every tab, no quoting (CheckThat! files quote nothing, and a
    field opening with '"' is text). A ValueError names the first bad line: not UTF-8, over
    `MAX_LINE_BYTES`, a row without the header's columns, or input past `max_bytes` in all."""
    lines = _lines(handle, max_bytes)
    first = next(lines, None)
    if first is None:
        return
    header = first[1].split("\t")
    if all(column in header for column in TSV_HEADER):
        id_column, text_column = header.index("Sentence_id"), header.index("Text")
        for number, line in lines:
            if not line.strip():
                continue
            row = line.split("\t")
            if len(row) != len(header):
                raise ValueError(f"line {number}: expected the {len(header)} columns of the header, found {len(row)}")
            yield row[id_column], row[text_column]
        return
    for number, line in chain([first], lines):
        if line.strip():
            yield str(number), line.strip()


def _lines(handle: BinaryIO, max_bytes: int) -> Iterator[tuple[int, str]]:
    """(number, text) of each line, without its line end, the BOM of the first dropped."""
    total = 0
    for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), start=1):
        total += len(line)
        if total > max_bytes:
            raise ValueError(f"line {number}: the input is over the {max_bytes:,}-byte cap; split it or raise --max-bytes")
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise ValueError(f"line {number}: over the {MAX_LINE_BYTES:,}-byte cap for a line")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"line {number}: not UTF-8 text (byte {error.start + 1})") from None
        yield number, (text.removeprefix("\ufeff") if number == 1 else text).rstrip("\r\n")


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
        float | None, typer.Option(min=0.0, max=1.0, help="Check-worthiness cut-off for Yes (default: the model's cut for lines scored alone; see its model card).")
    ] = None,
    max_bytes: Annotated[int, typer.Option(min=1, help="Largest input accepted, in bytes.")] = MAX_BYTES,
    model: Annotated[str | None, typer.Option(
        help="Use the claim model shipped with this detector: accurate (the default) or fast.")] = None,
) -> None:
    """Score each sentence's check-worthiness: writes Sentence_id<TAB>Yes|No<TAB>probability, as CheckThat! scorers read."""
    from propaganda_lens.claims import shipped_checkworthiness_model
    from propaganda_lens.detect.detector import SHIPPED_MODELS, ModelError

    if model is not None and model not in {shipped.name for shipped in SHIPPED_MODELS}:
        fail(f"--model {model}: the shipped models are {', '.join(shipped.name for shipped in SHIPPED_MODELS)}")
    try:
        scorer = shipped_checkworthiness_model(model)
    except ModelError as error:
        fail(str(error))
    cut = scorer.config.line_cut if threshold is None else threshold
    if source != "-" and not Path(source).is_file():
        fail(f"{source}: no such file")
    if output is not None and source != "-" and Path(source).resolve() == output.resolve():
        fail(f"{output} is the input; choose another output so that it is not overwritten")
    written = 0
    try:
        with ExitStack() as stack:
            handle = sys.stdin.buffer if source == "-" else stack.enter_context(open(source, "rb"))
            sink = sys.stdout if output is None else stack.enter_context(atomic_writer(output))
            advance = stack.enter_context(progress_bar(None, "Scoring", shown=output is not None, unit="sentences"))
            for batch in batches(sentences_of(handle, max_bytes), BATCH_LINES):
                probabilities = scorer.probabilities([text for _, text in batch])
                for (sentence_id, _), probability in zip(batch, probabilities):
                    sink.write(f"{sentence_id}\t{'Yes' if probability >= cut else 'No'}\t{probability:.4f}\n")
                written += len(batch)
                advance(len(batch))
            if written == 0:
                fail(f"{source}: no sentences")  # inside the block: no empty output file is left
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
    by_length: Annotated[bool, typer.Option(help="Batch sentences of similar length together (less padding).")] = False,
    select_on_train: Annotated[bool, typer.Option(
        help="Choose epoch and threshold on a held-out tenth of train instead of dev.")] = False,
) -> None:
    """Fine-tune the check-worthiness classifier on CT24 train; picks epoch and threshold on dev or a held-out part of train (needs `train`)."""
    require_train_extra()
    from propaganda_lens.train import base_models
    from propaganda_lens.train.checkworthiness import train_checkworthiness

    try:
        base = base_models.resolve(base_model)
        best = train_checkworthiness(ct24, base, output, epochs, batch_size, learning_rate, threads=threads,
                                     by_length=by_length, select_on_train=select_on_train)
    except (OSError, ValueError) as error:
        fail(str(error))
    stderr.print(f"best network: {best}")


def export_claims_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `train-claims`.", metavar="RUN")],
    ct24: Annotated[Path, typer.Option(help="The CheckThat! 2024 Task 1 English folder, to score the export.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model folder to write.")],
    base_model: Annotated[str, typer.Option(help="The encoder the run fine-tuned.")] = "minilm",
    checkpoint: Annotated[str, typer.Option(help="The run's network to export: best.pt or epoch-N.pt.")] = "best.pt",
) -> None:
    """Export a check-worthiness run to an int8 ONNX model folder and score it on CT24 dev and dev-test."""
    require_train_extra()
    from propaganda_lens.train import base_models
    from propaganda_lens.train.checkworthiness import export_checkworthiness

    try:
        evaluation = export_checkworthiness(run, base_models.resolve(base_model), ct24, output, checkpoint=checkpoint)
    except (OSError, ValueError) as error:
        fail(str(error))
    stderr.print(f"{output}: dev-test positive-class F1 {evaluation['dev-test']['f1']:.4f}")


def register(app: typer.Typer) -> None:
    app.command("claims", cls=PlainUsage)(claims_command)
    app.command("train-claims", cls=PlainUsage)(train_claims_command)
    app.command("export-claims", cls=PlainUsage)(export_claims_command)
