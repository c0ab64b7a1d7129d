"""Atomic file writes: a temporary file in the target's folder, renamed over the target once complete, so a
killed run leaves the old file or the new one, never a truncated one."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` for a library that writes by name; it replaces `path` when the block
    ends without an error, and is removed otherwise."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(descriptor)
    try:
        os.chmod(temporary, _mode_for(path))  # mkstemp makes it private; the file gets the usual mode
        yield Path(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle whose contents replace `path` when the block ends without an error."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as handle:
        yield handle


def _mode_for(path: Path) -> int:
    """The permissions of the file being replaced, or those a new file gets under the process umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomically(path: Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)


def read_json(path: Path, error: type[Exception]) -> Any:
    """A JSON file's value; `error` with a one-line message when the file cannot be read or is not JSON."""
    try:
        return json.loads(Path(path).read_bytes())
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror or problem}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as problem:
        raise error(f"{path} is not valid JSON: {problem}") from None
