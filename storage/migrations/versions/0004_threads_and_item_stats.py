"""conversations and item statistics: the thread a question was asked in; an index for per-question counts

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asked_questions") as batch:
        batch.add_column(sa.Column("thread_ts", sa.String(32), nullable=True))
    op.create_index("ix_asked_thread", "asked_questions", ["workspace_id", "channel_id", "thread_ts", "asked_at"])
    # `content stats` and the daily picker count daily answers per question: answered from the index alone.
    op.create_index("ix_answers_items", "answers", ["workspace_id", "practice", "question_id", "correct"])


def downgrade() -> None:
    op.drop_index("ix_answers_items", "answers")
    op.drop_index("ix_asked_thread", "asked_questions")
    with op.batch_alter_table("asked_questions") as batch:
        batch.drop_column("thread_ts")
