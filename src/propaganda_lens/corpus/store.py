"""The corpus database: SQLAlchemy 2 tables, migrated by Alembic, behind any SQLAlchemy URL.

Tables: `articles` (text, metadata, outlet and a content hash, each text stored once), `analyses` (one per
article and model version), `spans`, `models` (each version's dev precision per technique), `failures`
(inputs that could not be stored or analyzed, with their message), `leases` (the articles a run has claimed) and
`reviews` (reviewers' corrections of a model version's spans, stored beside them: they never change the spans).

Every transaction is a real one, on SQLite too: `writing` takes the write lock at its start (BEGIN IMMEDIATE),
`snapshot` reads one consistent state of the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (
    JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event, inspect, text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from propaganda_lens.corpus import DATABASE_VARIABLE, DEFAULT_DATABASE
from propaganda_lens.data import Span

SQLITE_BUSY_TIMEOUT_S = 15.0  # how long a SQLite write waits for another process's lock before failing
WRITE_LOCK = "propaganda_lens_write_lock"  # execution option: BEGIN IMMEDIATE on SQLite
MIGRATION_LOCK = 7_253_104_611  # the PostgreSQL advisory lock that one migration at a time holds
VERSION_CHARS = 100  # the longest model version stored
REVIEWER_CHARS = 200  # the longest reviewer name stored
TIME_CHARS = 40  # the longest decision time stored (ISO 8601)


class StoreError(RuntimeError):
    """The database cannot be opened, migrated, or written; the message is meant for the user."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the text
    name: Mapped[str] = mapped_column(String(300))  # the Article id: a file stem, a URL's last part
    source: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(300), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(10), index=True)  # YYYY-MM-DD
    site: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(default=utc_now)


class ModelRow(Base):
    __tablename__ = "models"

    version: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    technique_precision: Mapped[dict] = mapped_column(JSON, default=dict)


class AnalysisRow(Base):
    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("article_id", "model_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(ForeignKey("models.version"), index=True)
    language: Mapped[str | None] = mapped_column(String(10))
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    covered_chars: Mapped[int] = mapped_column(Integer)  # characters inside at least one span
    # Each sentence's check-worthiness, in the order of the Analysis's sentences (None: not scored).
    checkworthiness: Mapped[list] = mapped_column(JSON, default=list)
    # The analysis stages it has (api.STAGES), space-separated: "techniques", "techniques actors", or all three.
    stages: Mapped[str] = mapped_column(String(60), server_default="techniques actors claims")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class SpanRow(Base):
    __tablename__ = "spans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    technique: Mapped[str | None] = mapped_column(String(60), index=True)
    probability: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    cues: Mapped[list] = mapped_column(JSON, default=list)  # [[start, end], …]

    def span(self) -> Span:
        """The stored span as the data model's Span."""
        return Span(self.start, self.end, self.technique, self.probability,
                    cues=tuple((start, end) for start, end in self.cues))


class ActorRow(Base):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))  # the Actor id within its analysis ("actor-3")
    name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    mentions: Mapped[list] = mapped_column(JSON, default=list)  # [[start, end], …]
    techniques: Mapped[dict] = mapped_column(JSON, default=dict)
    country: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the country a person acts for


class RelationRow(Base):
    __tablename__ = "relations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    source_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    target_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    polarity: Mapped[str] = mapped_column(String(10))
    modality: Mapped[str] = mapped_column(String(12))
    evidence_start: Mapped[int] = mapped_column(Integer)
    evidence_end: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[list] = mapped_column(JSON, default=list)  # [[start, end], …]


class StatementRow(Base):
    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    probability: Mapped[float] = mapped_column(Float)
    hedge: Mapped[list | None] = mapped_column(JSON)  # [start, end]
    source: Mapped[list | None] = mapped_column(JSON)  # [start, end]
    source_actor: Mapped[str | None] = mapped_column(String(40))  # the Actor id within its analysis
    text: Mapped[str] = mapped_column(Text)


class FailureRow(Base):
    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(10))  # "add" (ingestion) or "run" (analysis)
    source: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class LeaseRow(Base):
    """An article that the run `holder` analyzes with `model_version`, until `expires` (seconds since the
    epoch) unless the run renews it: a killed run's articles go to another run once their leases expire."""

    __tablename__ = "leases"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), index=True)
    expires: Mapped[float] = mapped_column(Float)


class ReviewRow(Base):
    """A reviewer's decision on a span of an article as `model_version` found it (a Correction): the span is
    [start, end) with the model's technique, or a new span (action "add", `model_technique` "")."""

    __tablename__ = "reviews"
    # The same decision is stored once, however often it is imported.
    __table_args__ = (UniqueConstraint("article_id", "model_version", "start", "end", "model_technique", "action",
                                       "technique", "reviewer", "time", name="uq_reviews_decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(VERSION_CHARS), index=True)
    action: Mapped[str] = mapped_column(String(10))  # accept, reject, relabel or add
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    technique: Mapped[str] = mapped_column(String(60))  # after the decision (for reject: the rejected label)
    # The model's label; "" for a span the model lacks (not NULL, which a unique constraint never matches).
    model_technique: Mapped[str] = mapped_column(String(60))
    reviewer: Mapped[str] = mapped_column(String(REVIEWER_CHARS))
    time: Mapped[str] = mapped_column(String(TIME_CHARS))  # when the reviewer decided, ISO 8601 as given ("" if not)
    stored_at: Mapped[datetime] = mapped_column(default=utc_now)


def database_url(given: str | None = None) -> str:
    """--db, else $PROPAGANDA_LENS_DB, else a SQLite file in the current folder."""
    return given or os.environ.get(DATABASE_VARIABLE) or f"sqlite:///{DEFAULT_DATABASE}"


def _sqlite_pragmas(connection, _record) -> None:
    connection.isolation_level = None  # the driver emits no BEGIN of its own: _sqlite_begin does
    cursor = connection.cursor()
    # WAL: readers do not block the writer; a killed process leaves the last committed transaction.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """A transaction around every statement, DDL included; BEGIN IMMEDIATE takes the write lock at once, so
    that a transaction that reads then writes never fails on another process's commit in between."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_LOCK) else "BEGIN")


def open_database(url: str | None = None, migrate: bool = True) -> sessionmaker:
    """A session factory for the corpus database at `url` (see database_url), its schema brought up to date
    by the Alembic migrations. Raises StoreError with a one-line message when it cannot be opened."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{url!r} is not a database URL; give a SQLAlchemy URL such as sqlite:///corpus.sqlite "
                         "or postgresql+psycopg://user@host/db") from None
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"{parsed.database}: the folder {folder} does not exist; create it first")
    try:
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S} if is_sqlite else {}, pool_pre_ping=not is_sqlite)
    except ImportError as error:
        hint = ("; install the postgres extra (pip install 'propaganda-lens[postgres]') and write the URL as "
                "postgresql+psycopg://…") if parsed.get_backend_name() == "postgresql" else ""
        raise StoreError(f"cannot use the database {parsed.render_as_string(hide_password=True)}: {error}{hint}") from None
    except SQLAlchemyError as error:  # ArgumentError included: a URL SQLAlchemy parses but cannot use
        raise StoreError(f"cannot use the database {parsed.render_as_string(hide_password=True)}: {error}") from None
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    if migrate:
        migrate_database(engine)
    return sessionmaker(engine, expire_on_commit=False)


def migrate_database(engine: Engine) -> None:
    """Apply the Alembic migrations that the database lacks, one process at a time (the SQLite write lock,
    a PostgreSQL advisory lock). A database that holds other tables and no corpus, or a schema revision
    this version does not know, is refused."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect().execution_options(**{WRITE_LOCK: True}) as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            tables = set(inspect(connection).get_table_names())
            if tables and "alembic_version" not in tables:
                raise StoreError(f"the database {shown} holds another application's tables "
                                 f"({', '.join(sorted(tables)[:3])}{', …' if len(tables) > 3 else ''}), not a corpus; "
                                 "give a new database or a corpus made by propaganda-lens")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError as error:
        raise StoreError(f"the database {shown} has a schema revision this version of propaganda-lens does not "
                         f"know ({first_line(error)}); it was made by another application or a newer version") from None
    except SQLAlchemyError as error:
        raise StoreError(f"cannot open the database {shown}: {describe(error)}") from None


def writer(sessions: sessionmaker) -> sessionmaker:
    """Sessions whose every transaction holds the SQLite write lock from its start (on PostgreSQL: plain)."""
    return sessionmaker(sessions.kw["bind"].execution_options(**{WRITE_LOCK: True}), expire_on_commit=False)


@contextmanager
def writing(sessions: sessionmaker) -> Iterator[Session]:
    """One write transaction, committed at the end of the block (see writer)."""
    with writer(sessions).begin() as session:
        yield session


@contextmanager
def snapshot(sessions: sessionmaker) -> Iterator[Session]:
    """A session whose reads all see one state of the database, however many other runs commit meanwhile:
    REPEATABLE READ on PostgreSQL, one read transaction on SQLite (WAL)."""
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def first_line(error: BaseException) -> str:
    message = str(error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def describe(error: SQLAlchemyError) -> str:
    """The driver's own message, first line only (SQLAlchemy appends the statement and a link)."""
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
