"""What the scripts that build the package's tables from PETRARCH2's dictionaries share: where the dictionaries
are, the TSV form of a table, and a `main` that writes the table atomically (build_cameo_verbs.py,
build_agent_nouns.py, build_person_countries.py)."""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from propaganda_lens.files import atomic_path

DICTIONARIES = Path(__file__).resolve().parents[1].parent / "shared/data/cameo-petrarch2/dictionaries"


def tsv(columns: tuple[str, ...], rows: Iterable[tuple]) -> str:
    """A table as tab-separated lines, its header first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def main(description: str, table: Path, build: Callable[[Path], str]) -> None:
    """Build `table` from the dictionaries folder given by --dictionaries, and write it atomically."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dictionaries", type=Path, default=DICTIONARIES)
    text = build(parser.parse_args().dictionaries)
    with atomic_path(table) as temporary:
        temporary.write_text(text, encoding="utf-8")
    print(f"{table}: {text.count(chr(10)) - 1} rows")
