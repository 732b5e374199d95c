"""Events API: direct messages, @-mentions and the App Home tab."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.listeners.payloads import asked, field, services, text
from bot.services.asking import questions
from bot.services.learning import home
from bot.services.operations import workspace_lifecycle

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def register(app: App) -> None:
    for event_type, listener in listeners().items():
        app.event(event_type)(listener)


def listeners() -> dict[str, Any]:
    """Each event type we take, and its listener (the app manifest subscribes to exactly these)."""
    return {
        "message": direct_message,
        "app_mention": mention,
        "app_home_opened": home_opened,
        "app_uninstalled": uninstalled,
        "tokens_revoked": tokens_revoked,
    }


def direct_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    # Only people's own words in a DM: no edits, joins, bot posts or channel chatter.
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    question = asked(body, event, "dm")
    questions.receive_message(services(context), client, field(body, "event_id") or None, question)


def mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    if event.get("bot_id"):
        return
    # A mention is answered in a thread: its own, or the one it was made in.
    question = replace(
        asked(body, event, "mention", MENTION.sub(" ", text(event.get("text")))),
        thread_ts=field(event, "thread_ts") or field(event, "ts") or None,
    )
    questions.receive_message(services(context), client, field(body, "event_id") or None, question)


def home_opened(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    if event.get("tab") not in (None, "home"):
        return
    home.publish_home(services(context), client, field(body, "team_id"), field(event, "user"))


def uninstalled(body: dict[str, Any], context: BoltContext) -> None:
    workspace_lifecycle.app_uninstalled(services(context), field(body, "team_id"), field(body, "enterprise_id") or None)


def tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
    bots = tokens.get("bot") if isinstance(tokens, dict) else None
    workspace_lifecycle.tokens_revoked(
        services(context), field(body, "team_id"), field(body, "enterprise_id") or None, bool(bots)
    )
