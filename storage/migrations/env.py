"""Alembic environment: runs migrations against the URL lab2prod gives it."""

from alembic import context
from sqlalchemy import text

from storage.db import make_engine
from storage.models import Base

config = context.config
url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")

MIGRATION_LOCK = 7_243_001  # any constant: the advisory lock's key


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together all migrate: one at a time, so the others wait, then find the schema
            # at head. Held until the migration's transaction ends. (SQLite's write lock does the same.)
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        context.run_migrations()


connectable = config.attributes.get("connection")
if connectable is None:
    engine = make_engine(url)  # our engine: a new SQLite file is in WAL mode from its first migration
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
else:
    run(connectable)
