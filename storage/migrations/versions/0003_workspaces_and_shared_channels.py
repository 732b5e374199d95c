"""many workspaces: Slack's installation and OAuth state tables, workspace lifecycle, one schedule per channel id

Revision ID: 0003
Revises: 0002

The slack_* tables are the ones slack_sdk's SQLAlchemy stores use (as of slack_sdk 3.48), written out here
so that this migration stays what it is when slack_sdk changes. A Slack Connect channel has one id in every
workspace it is shared with, so schedules and daily posts become unique by channel id alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _installation_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        *_installation_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        *_installation_columns(),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("installed_at", sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "workspaces",
        sa.Column("workspace_id", sa.String(32), primary_key=True),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.Column("uninstalled_at", sa.DateTime()),
    )

    bind = op.get_bind()
    # One schedule per channel id: keep the first one set when the same shared channel was scheduled twice.
    bind.execute(
        sa.text("DELETE FROM quiz_channels WHERE id NOT IN (SELECT min(id) FROM quiz_channels GROUP BY channel_id)")
    )
    twice = bind.execute(
        sa.text("SELECT channel_id, local_date FROM quiz_posts GROUP BY channel_id, local_date HAVING count(*) > 1")
    ).first()
    if twice is not None:
        raise RuntimeError(
            f"channel {twice[0]} has two quiz posts on {twice[1]} (a shared channel scheduled from two workspaces);"
            " one post a day per channel is required from now on: delete the one without answers, then upgrade"
        )
    with op.batch_alter_table("quiz_channels") as batch:
        batch.drop_constraint("uq_quiz_channel", type_="unique")
        batch.create_unique_constraint("uq_quiz_channel", ["channel_id"])
    with op.batch_alter_table("quiz_posts") as batch:
        batch.drop_constraint("uq_post_per_channel_day", type_="unique")
        batch.create_unique_constraint("uq_post_per_channel_day", ["channel_id", "local_date"])


def downgrade() -> None:
    with op.batch_alter_table("quiz_posts") as batch:
        batch.drop_constraint("uq_post_per_channel_day", type_="unique")
        batch.create_unique_constraint("uq_post_per_channel_day", ["workspace_id", "channel_id", "local_date"])
    with op.batch_alter_table("quiz_channels") as batch:
        batch.drop_constraint("uq_quiz_channel", type_="unique")
        batch.create_unique_constraint("uq_quiz_channel", ["workspace_id", "channel_id"])
    op.drop_table("workspaces")
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", "slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", "slack_installations")
    op.drop_table("slack_installations")
