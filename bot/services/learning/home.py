"""The App Home: a person's own numbers and mastery (scores/stats) beside their personal reviews, with buttons."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.review_blocks import home_section
from bot.blocks.score_blocks import home_view
from bot.services.learning import reviews
from bot.services.runtime.context import Context
from bot.services.scores import stats


def publish_home(ctx: Context, client: WebClient, workspace_id: str, user_id: str) -> None:
    """App Home opened: built and published after the ack (views.publish is a Slack call)."""

    def publish() -> None:
        mine = stats.personal_stats(ctx, workspace_id, user_id)
        titles = {tid: t.title for tid, t in ctx.bank.topics.items()}
        extra = home_section(reviews.status(ctx, workspace_id, user_id))
        client.views_publish(user_id=user_id, view=home_view(mine, titles, extra))

    ctx.background.submit(publish)
