"""topic suggestions: a question picked for a topic by a click, one row per person, for `content suggestions`

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_suggestions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
        sa.Column("accepted_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("workspace_id", "user_id", "question", "topic", name="uq_suggestion_per_person"),
    )
    op.create_index("ix_suggestions_pairs", "topic_suggestions", ["workspace_id", "accepted_at", "question", "topic"])


def downgrade() -> None:
    op.drop_index("ix_suggestions_pairs", "topic_suggestions")
    op.drop_table("topic_suggestions")
