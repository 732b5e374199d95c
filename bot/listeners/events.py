"""Events API: direct messages, @-mentions and the App Home tab."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, Say
from slack_sdk import WebClient

from bot import scores_service
from bot.blocks.answers import help_blocks
from bot.blocks.scores import home_view
from bot.context import Context
from bot.listeners.asking import answer
from storage.db import transaction
from storage.repos import questions

log = logging.getLogger(__name__)
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def _first_delivery(ctx: Context, body: dict[str, Any]) -> bool:
    """Slack redelivers events it thinks we missed; each event id is handled once."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    with transaction(ctx.sessions) as session:
        return questions.first_sighting(session, event_id, body.get("team_id", ""), ctx.clock())


def _reply(
    ctx: Context, body: dict[str, Any], event: dict[str, Any], text: str, say: Say, surface: str, **kw: Any
) -> None:
    if not text.strip():
        say(text="Ask me about ML in research vs production.", blocks=help_blocks(), **kw)
        return
    answer(
        ctx,
        text,
        lambda reply: say(text=reply.text, blocks=reply.blocks, **kw),
        workspace_id=body.get("team_id", ""),
        user_id=event.get("user", ""),
        channel_id=event.get("channel"),
        surface=surface,
    )


def publish_home(ctx: Context, client: WebClient, workspace_id: str, user_id: str) -> None:
    stats = scores_service.personal_stats(ctx, workspace_id, user_id)
    titles = {tid: t.title for tid, t in ctx.bank.topics.items()}
    client.views_publish(user_id=user_id, view=home_view(stats, titles))


def register(app: App, ctx: Context) -> None:
    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], say: Say) -> None:
        # Only people's own words in a DM: no edits, joins, bot posts or channel chatter.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not _first_delivery(ctx, body):
            return
        _reply(ctx, body, event, event.get("text") or "", say, "dm")

    @app.event("app_home_opened")
    def home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        publish_home(ctx, client, body.get("team_id", ""), event.get("user", ""))

    @app.event("app_mention")
    def mention(body: dict[str, Any], event: dict[str, Any], say: Say) -> None:
        if not _first_delivery(ctx, body):
            return
        text = MENTION.sub(" ", event.get("text") or "")
        _reply(ctx, body, event, text, say, "mention", thread_ts=event.get("thread_ts") or event.get("ts"))
