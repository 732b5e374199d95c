"""reliable delivery: event inbox, uncertain posts, durable answers, idempotent practice

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_events_pending", ["handled_at", "claimed_at"], unique=False)
    # Events seen before this version were handled when they were seen.
    op.execute("UPDATE processed_events SET handled_at = seen_at")

    with op.batch_alter_table("quiz_posts") as batch:
        batch.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("summary_due", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("summary_ts", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("summary_attempted_at", sa.DateTime(), nullable=True))

    with _answers_batch() as (batch, fk):
        batch.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_practice_answer", ["workspace_id", "user_id", "question_id", "message_ts"])
        # A deleted post row must never take its answers with it.
        batch.drop_constraint(fk, type_="foreignkey")
        batch.create_foreign_key(fk, "quiz_posts", ["post_id"], ["id"], ondelete="RESTRICT")


@contextmanager
def _answers_batch() -> Iterator[tuple[Any, str]]:
    """The answers table in batch mode, with the name its post_id foreign key has on this database.

    PostgreSQL named it answers_post_id_fkey; SQLite left it unnamed, so a naming convention names it."""
    if op.get_bind().dialect.name == "sqlite":
        fk = "fk_answers_post_id_quiz_posts"
        convention = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
        with op.batch_alter_table("answers", naming_convention=convention) as batch:
            yield batch, fk
    else:
        with op.batch_alter_table("answers") as batch:
            yield batch, "answers_post_id_fkey"


def downgrade() -> None:
    with _answers_batch() as (batch, fk):
        batch.drop_constraint(fk, type_="foreignkey")
        batch.create_foreign_key(fk, "quiz_posts", ["post_id"], ["id"], ondelete="CASCADE")
        batch.drop_constraint("uq_practice_answer", type_="unique")
        batch.drop_column("message_ts")
    with op.batch_alter_table("quiz_posts") as batch:
        for column in ("summary_attempted_at", "summary_ts", "summary_due", "attempts", "attempted_at"):
            batch.drop_column(column)
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_index("ix_events_pending")
        for column in ("attempts", "handled_at", "claimed_at", "payload"):
            batch.drop_column(column)
