"""team insights: the weekly insights post per channel (a flag), DM subscriptions, the sends' claims, and a
covering index for a channel's answers by time

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_channels") as batch:
        batch.add_column(sa.Column("insights", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "insight_subscriptions",
        sa.Column("workspace_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("team_name", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "insight_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("chart_file_id", sa.String(32), nullable=True),
        sa.UniqueConstraint("workspace_id", "target", "week_start", name="uq_insight_post_per_week"),
    )
    op.create_index(
        "ix_answers_insights",
        "answers",
        ["workspace_id", "channel_id", "answered_at", "topic", "correct", "user_id", "question_id"],
    )
    op.create_index("ix_answers_channel_people", "answers", ["workspace_id", "channel_id", "user_id", "answered_at"])


def downgrade() -> None:
    op.drop_index("ix_answers_channel_people", "answers")
    op.drop_index("ix_answers_insights", "answers")
    op.drop_table("insight_posts")
    op.drop_table("insight_subscriptions")
    with op.batch_alter_table("quiz_channels") as batch:
        batch.drop_column("insights")
