"""Engine and session set-up: SQLite with WAL and a busy timeout by default, PostgreSQL by URL."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000
READ_ONLY_KEY = "lab2prod_read_only"
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    # hide_parameters: a failed statement's error (and the traceback logged with it) shows the SQL without its
    # values, which are questions people typed and their Slack ids.
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # pysqlite's own transaction handling defers BEGIN; we issue it ourselves (see _begin below)
            # so that writers take the lock up front instead of failing on upgrade from a read lock.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # Switching to WAL needs a lock; asking does not. Only the first connection ever switches, so a
            # new connection can open while another process is writing.
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        _WRITE_LOCKS[engine] = threading.Lock()

        @event.listens_for(engine, "handle_error")
        def _reopen_after(context) -> None:  # type: ignore[no-untyped-def]
            # A connection opened while the file was read-only (or the disk full) stays broken after the cause
            # is gone; marking the error a "disconnect" makes the pool open fresh connections next time.
            if unavailable_reason(context.original_exception) in ("read-only", "full", "unavailable"):
                context.is_disconnect = True

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            # Readers take no lock (WAL lets them run beside a writer); writers take the write lock up front.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY_KEY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


_REASONS = (
    ("database is locked", "locked"),
    ("readonly database", "read-only"),
    ("read-only", "read-only"),
    ("disk is full", "full"),
    ("no space left", "full"),
    ("disk i/o error", "unavailable"),
    ("unable to open database", "unavailable"),
    ("connection", "unavailable"),
    ("server closed", "unavailable"),
)


def unavailable_reason(exc: BaseException | None) -> str | None:
    """Why the database cannot take a write right now ('locked', 'read-only', 'full', 'unavailable'), or None
    for errors that are not about the database being out of reach (a bug, a constraint)."""
    # sqlite3's, psycopg's and SQLAlchemy's wrapper all call it OperationalError: the server or file is the issue.
    if exc is None or not any(cls.__name__ == "OperationalError" for cls in type(exc).__mro__):
        return None
    message = str(exc).lower()
    return next((reason for text, reason in _REASONS if text in message), "unavailable")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that may write; on SQLite it holds the write lock from its first statement.

    SQLite has one writer at a time. Threads of this process queue on a mutex first: waiting in SQLite's
    busy handler means sleeping in steps of up to 100 ms, which halved answer throughput under load.
    Other processes still queue through the busy timeout."""
    bind = factory.kw.get("bind")
    lock = _WRITE_LOCKS.get(bind) if bind is not None else None
    with factory() as session, lock or nullcontext(), session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work: on SQLite it never waits for, nor blocks, a writer."""
    with factory() as session, session.begin():
        session.connection(execution_options={READ_ONLY_KEY: True})
        yield session


def alembic_config(url: str) -> Any:
    from alembic.config import Config  # alembic loads only when migrating: every CLI command starts faster

    cfg = Config(str(Path(__file__).resolve().parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(the database's migration revision, the newest revision this code has)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(
        alembic_config(engine.url.render_as_string(hide_password=False))
    ).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


def upgrade(url: str) -> None:
    """Bring the database to the newest schema (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
