"""Round trips with annotation tools: the model's spans out as a tool's tasks, a reviewer's annotations back in.

Formats: Label Studio (tasks JSON / JSON export), INCEpTION (UIMA CAS XMI in a ZIP, through dkpro-cassis),
doccano (JSONL) and PTC (label file). Offsets are code points into the article text in and out; each format's
module says how its tool counts them and whether it keeps overlapping spans.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from propaganda_lens.review.formats.base import Annotated, FormatError, ReviewTask, corrections_from_annotation

FORMATS = ("label-studio", "inception", "doccano", "ptc")

__all__ = ["FORMATS", "Annotated", "FormatError", "ReviewTask", "corrections_from_annotation", "export_tasks",
           "import_annotations"]


def _module(format: str) -> ModuleType:
    """The format's module, imported when first used (INCEpTION's brings in dkpro-cassis)."""
    if format not in FORMATS:
        raise ValueError(f"unknown review format {format!r} (expected one of {', '.join(FORMATS)})")
    return importlib.import_module(f"propaganda_lens.review.formats.{format.replace('-', '_')}")


def export_tasks(format: str, tasks: list[ReviewTask], out: Path) -> None:
    """Write the tasks for a tool (atomically); FormatError when the format cannot carry them."""
    _module(format).export(tasks, Path(out))


def import_annotations(format: str, path: Path,
                       texts: Callable[[str], str | None]) -> tuple[list[Annotated], list[str]]:
    """The annotated articles in a tool's export, and one line per item left out; FormatError (one message) when
    the file cannot be read as the format at all. `texts(article_id)` gives the stored text of an article, for
    formats whose files do not carry it (PTC)."""
    module = _module(format)
    return module.import_file(Path(path), texts) if format == "ptc" else module.import_file(Path(path))
