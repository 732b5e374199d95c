"""Repositories: the only modules that speak SQL. Each takes a Session and returns plain data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def upsert_insert(session: Session, model: Any) -> Any:
    """INSERT with ON CONFLICT support for the session's database (SQLite or PostgreSQL): uniqueness races
    are settled by the database in one statement instead of select-then-insert."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model)
