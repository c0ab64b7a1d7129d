"""What every command shares: the consoles, one-line errors, progress bars and the --model option."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand

stdout = Console()
stderr = Console(stderr=True)
T = TypeVar("T")


class PlainUsage(TyperCommand):
    """A usage line in the usual notation: `analyze [OPTIONS] SOURCE...`, not `{SOURCE}...`."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [piece.replace("{", "").replace("}", "") for piece in super().collect_usage_pieces(ctx)]


def print_table(table: Table) -> None:
    """A table on stdout: drawn for a terminal; in a pipe or file, plain tab-separated lines (a header row, then
    one line per row, nothing cut) that other programs read."""
    if stdout.is_terminal:
        stdout.print(table)
        return

    def plain(cell) -> str:
        text = cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain
        return " ".join(text.split())

    lines = ["\t".join(plain(column.header) for column in table.columns)]
    lines += ["\t".join(plain(cell) for cell in row) for row in zip(*(column.cells for column in table.columns))]
    stdout.file.write("\n".join(lines) + "\n")


def print_error(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 1."""
    print_error(message)
    raise typer.Exit(1)


def rate_and_left(done: int, total: int | None, elapsed: float, unit: str) -> tuple[str, str]:
    """The average rate since the start and the time left at that rate, as shown from the first item on."""
    if done <= 0 or elapsed <= 0:
        return "", ""
    rate = done / elapsed
    if total is None:
        return f"{rate:.2f} {unit}/s", ""
    left = round(max(total - done, 0) / rate)
    return f"{rate:.2f} {unit}/s", f"{left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} left"


@contextmanager
def progress_bar(total: int | None, description: str, shown: bool = True, unit: str | None = None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr (hidden when stderr is not a terminal, or when not `shown`; total None: unknown), with the rate in
    `unit`s per second and the time left when a unit is given; yields the function that advances it
    (`advance(count=1, total=None)`: a new total when the work grows or shrinks)."""
    fields = [TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[left]}")] if unit else [TimeRemainingColumn()]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *fields)
    started, done, whole = time.monotonic(), 0, total
    with Progress(*columns, console=stderr, transient=True, disable=not (shown and stderr.is_terminal)) as progress:
        task = progress.add_task(description, total=total, rate="", left="")

        def advance(count: int = 1, total: int | None = None) -> None:
            nonlocal done, whole
            done, whole = done + count, total if total is not None else whole
            rate, left = rate_and_left(done, whole, time.monotonic() - started, unit) if unit else ("", "")
            progress.update(task, advance=count, total=whole, rate=rate, left=left)

        yield advance


def with_progress(
    items: Iterable[T], total: int, description: str, shown: bool = True, unit: str | None = None
) -> Iterator[T]:
    """Iterate with a progress bar (see progress_bar)."""
    with progress_bar(total, description, shown, unit) as advance:
        for item in items:
            yield item
            advance()


def report_problems(problems: list[str]) -> None:
    """After a batch: one line per item that failed, then a non-zero exit if any did."""
    for problem in problems:
        print_error(problem)
    if problems:
        raise typer.Exit(1)


ModelOption = Annotated[
    str | None,
    typer.Option("--model", "-m", help="A shipped model by name (see 'propaganda-lens models'), or a model folder."),
]


AllowPrivateOption = Annotated[
    bool,
    typer.Option("--allow-private-urls", help="Fetch URLs on loopback, private and link-local addresses too."),
]


def check_encoding(encoding: str | None) -> None:
    """Fail in one line unless `encoding` (an --encoding value) names a codec Python knows."""
    from propaganda_lens.ingest.decoding import check_encoding_name
    from propaganda_lens.ingest.errors import IngestError

    if encoding is not None:
        try:
            check_encoding_name(encoding)
        except IngestError as error:
            fail(str(error))


def require_train_extra() -> None:
    """Fail in one line unless the `train` extra is installed; then show our progress log on stderr."""
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        fail(f"this command needs the train extra: pip install 'propaganda-lens[train]' ({error})")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("propaganda_lens").setLevel(logging.INFO)


def load_detector(model: str | Path | None):
    from propaganda_lens.detect.detector import Detector, ModelError

    try:
        return Detector.from_disk(model)
    except (ModelError, OSError) as error:
        fail(f"cannot load the model: {error}")
