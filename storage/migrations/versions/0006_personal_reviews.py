"""personal spaced reviews: consent and time, FSRS cards, one claimed DM per person and local day

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_settings",
        sa.Column("workspace_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("review_time", sa.String(5), nullable=False),
        sa.Column("tz", sa.String(64), nullable=True),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("stopped_reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_review_settings_enabled", "review_settings", ["enabled"])
    op.create_table(
        "review_cards",
        sa.Column("workspace_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("question_id", sa.String(60), primary_key=True),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer, nullable=True),
        sa.Column("stability", sa.Float, nullable=True),
        sa.Column("difficulty", sa.Float, nullable=True),
        sa.Column("due", sa.DateTime, nullable=False),
        sa.Column("last_review", sa.DateTime, nullable=True),
        sa.Column("reviews", sa.Integer, nullable=False),
        sa.Column("lapses", sa.Integer, nullable=False),
    )
    # post-reviews' per-person "oldest due first" reads this index alone (question_id included).
    op.create_index("ix_review_cards_due", "review_cards", ["workspace_id", "user_id", "due", "question_id"])
    op.create_table(
        "review_days",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.Column("question_ids", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.UniqueConstraint("workspace_id", "user_id", "local_date", name="uq_review_per_person_day"),
    )
    op.create_index("ix_review_days_date", "review_days", ["local_date"])


def downgrade() -> None:
    op.drop_index("ix_review_days_date", "review_days")
    op.drop_table("review_days")
    op.drop_index("ix_review_cards_due", "review_cards")
    op.drop_table("review_cards")
    op.drop_index("ix_review_settings_enabled", "review_settings")
    op.drop_table("review_settings")
