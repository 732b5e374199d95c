"""Engine and session set-up: SQLite with WAL and a busy timeout by default, PostgreSQL by URL."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///lab2prod.db"
BUSY_TIMEOUT_MS = 10_000
READ_ONLY_KEY = "lab2prod_read_only"
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False})

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

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            # Readers take no lock (WAL lets them run beside a writer); writers take the write lock up front.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY_KEY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


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
    with factory() as session, (lock or nullcontext()), session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work: on SQLite it never waits for, nor blocks, a writer."""
    with factory() as session, session.begin():
        session.connection(execution_options={READ_ONLY_KEY: True})
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config(str(Path(__file__).resolve().parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Bring the database to the newest schema (idempotent)."""
    command.upgrade(alembic_config(url or database_url()), "head")
