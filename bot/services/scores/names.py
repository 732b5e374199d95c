"""Display names for boards and exports: cached in the database, fetched from Slack at most once a day."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.runtime.context import Context
from bot.services.slack.clients import slack_error
from storage.db import reading, transaction
from storage.repos import people

log = logging.getLogger(__name__)
NAME_TTL = timedelta(days=1)
BULK_NAMES = 20  # more stale names than this are fetched with users.list instead of users.info each


def display_names(ctx: Context, client: WebClient | None, workspace_id: str, user_ids: list[str]) -> dict[str, str]:
    """Names from the cache; Slack only for people not seen today (never one call per row per view)."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        cached = people.cached_names(session, workspace_id, user_ids)
    names = {u: name for u, (name, _) in cached.items()}
    stale = [u for u in user_ids if u not in cached or now - cached[u][1] >= NAME_TTL]
    if client is None or not stale:
        return {u: names.get(u, u) for u in user_ids}
    fetched = _fetch_all_names(client) if len(stale) > BULK_NAMES else _fetch_names(client, stale)
    fetched = {u: fetched[u] for u in stale if u in fetched}  # cache whom we asked about, not the workspace
    if fetched:
        with transaction(ctx.sessions) as session:
            for user_id, name in fetched.items():
                people.save_name(session, workspace_id, user_id, name, now)
    names.update(fetched)
    return {u: names.get(u, u) for u in user_ids}


def _name_of(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or user.get("name") or user.get("id", "?")


def _fetch_names(client: WebClient, user_ids: list[str]) -> dict[str, str]:
    fetched: dict[str, str] = {}
    for user_id in user_ids:
        try:
            fetched[user_id] = _name_of(client.users_info(user=user_id)["user"])
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, slack_error(exc))
    return fetched


def _fetch_all_names(client: WebClient) -> dict[str, str]:
    """Many names at once (an export): one paged users.list, 200 people a call, not one call per person."""
    fetched: dict[str, str] = {}
    try:
        for page in client.users_list(limit=200):
            fetched.update({u["id"]: _name_of(u) for u in page.get("members", [])})
    except SlackApiError as exc:
        log.warning("users.list failed: %s", slack_error(exc))
    return fetched
