"""Alembic environment: runs migrations against the URL lab2prod gives it."""

from alembic import context

from storage.db import make_engine
from storage.models import Base

config = context.config
url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")

connectable = config.attributes.get("connection")
if connectable is None:
    engine = make_engine(url)  # our engine: a new SQLite file is in WAL mode from its first migration
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
else:
    context.configure(connection=connectable, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
