"""Corpus mode: many articles in a database (SQLite by default, any SQLAlchemy URL), analyzed once per
model version, with statistics per outlet, technique and month, a dashboard, and exports.

This module holds only the names the command line needs before any work starts, so that importing it
does not import SQLAlchemy."""

from enum import Enum

DEFAULT_DATABASE = "propaganda-lens.sqlite"
DATABASE_VARIABLE = "PROPAGANDA_LENS_DB"


class Engine(str, Enum):
    """Where `corpus run` analyzes: in local processes or on Ray actors."""

    local = "local"
    ray = "ray"


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    semeval = "semeval"
