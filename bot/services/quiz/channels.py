"""Which channels get the daily quiz, and when: set from Slack (/tutor schedule) or the CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.runtime.context import Context
from bot.services.slack.clients import slack_error
from bot.tutor.schedule_rules import (
    ScheduleError,
    format_weekdays,
    parse_duration,
    parse_time,
    parse_tz,
    parse_weekdays,
)
from storage.db import reading, transaction
from storage.records import ChannelRecord
from storage.repos import schedules

log = logging.getLogger(__name__)
DEFAULT_WEEKDAYS, DEFAULT_CLOSE_AFTER = "mon-fri", "8h"


def save_channel(
    ctx: Context,
    workspace_id: str,
    channel_id: str,
    time_text: str,
    tz_name: str,
    weekdays_text: str = DEFAULT_WEEKDAYS,
    close_after_text: str = DEFAULT_CLOSE_AFTER,
    weekly_summary: bool | None = None,
) -> ChannelRecord:
    """Validate and store a channel's schedule; ScheduleError says what is wrong in words a person can act on."""
    post_at, tz = parse_time(time_text), parse_tz(tz_name)
    days, close_after = parse_weekdays(weekdays_text), parse_duration(close_after_text)
    with transaction(ctx.sessions) as session:
        return schedules.upsert_channel(
            session,
            workspace_id=workspace_id,
            channel_id=channel_id,
            post_time=post_at.strftime("%H:%M"),
            tz=tz.key,
            weekdays=format_weekdays(days),
            close_after_minutes=int(close_after.total_seconds() // 60),
            weekly_summary=weekly_summary,
            at=ctx.clock(),
        )


def list_channels(ctx: Context, channel_id: str | None = None) -> list[ChannelRecord]:
    with reading(ctx.sessions) as session:
        return schedules.find_channels(session, channel_id)


def remove_channel(ctx: Context, channel_id: str) -> bool:
    with transaction(ctx.sessions) as session:
        return schedules.remove_channel(session, channel_id) > 0


def describe(channel: ChannelRecord) -> str:
    hours, minutes = divmod(channel.close_after_minutes, 60)
    return (
        f"{channel.channel_id}: {channel.post_time} {channel.tz} on {channel.weekdays},"
        f" open {hours}h{minutes:02d}m"
        + ("" if channel.weekly_summary else ", weekly summary off")
        + (f"; last post failed: {channel.last_error}" if channel.last_error else "")
    )


class ChannelCheckError(Exception):
    """Slack says the bot cannot run a quiz in this channel; the message says what to do."""


def check_bot_is_member(client: WebClient, channel_id: str) -> None:
    """Before scheduling from the CLI: the channel exists and the bot is in it."""
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = slack_error(exc)
        hint = " (is the channel id right, and is the bot invited?)" if error == "channel_not_found" else ""
        raise ChannelCheckError(f"Slack says {error}{hint}") from exc
    if not info.get("is_member"):
        raise ChannelCheckError("the bot is not in it yet; run /invite @lab2prod there first")


@dataclass(frozen=True)
class ScheduleRequest:
    """`/tutor schedule HH:MM [Area/City]` as typed in a channel."""

    workspace_id: str
    user_id: str
    channel_id: str
    time_text: str
    tz_name: str | None
    response_url: str


def schedule_from_slack(ctx: Context, client: WebClient, request: ScheduleRequest) -> None:
    """The checks need Slack (who is asking, is the bot in the channel): done after the ack, answered through
    the command's response_url."""
    ctx.background.submit(_schedule_from_slack, ctx, client, request)


def _schedule_from_slack(ctx: Context, client: WebClient, request: ScheduleRequest) -> None:
    def reply(text: str, in_channel: bool = False) -> None:
        message = {"text": text, "response_type": "in_channel" if in_channel else "ephemeral"}
        ctx.slack.respond(request.response_url, message)

    profile = _lookup(client.users_info, "user", user=request.user_id)
    channel = _lookup(client.conversations_info, "channel", channel=request.channel_id)
    if channel is None or not channel.get("is_member"):
        reply("I'm not in this channel yet. Invite me with `/invite @lab2prod`, then set the time again.")
        return
    if (
        not (profile and (profile.get("is_admin") or profile.get("is_owner")))
        and channel.get("creator") != request.user_id
    ):
        # Slack has no API for channel managers, so: workspace admins and owners, or whoever created the channel.
        reply("Only workspace admins or the channel's creator can set this channel's quiz time.")
        return
    with reading(ctx.sessions) as session:
        existing = schedules.get_channel(session, request.channel_id)
    # Only what was typed changes: the weekdays, open time and (unless given) time zone stay as they were.
    tz_name = request.tz_name or (existing.tz if existing else None) or (profile or {}).get("tz") or "UTC"
    try:
        saved = save_channel(
            ctx,
            request.workspace_id,
            request.channel_id,
            request.time_text,
            tz_name,
            existing.weekdays if existing else DEFAULT_WEEKDAYS,
            f"{existing.close_after_minutes}m" if existing else DEFAULT_CLOSE_AFTER,
        )
    except ScheduleError as exc:
        reply(f":warning: {exc}")
        return
    reply(f":alarm_clock: Daily quiz here at {saved.post_time} {saved.tz} on {saved.weekdays}.", in_channel=True)


def _lookup(method: Any, field: str, **kwargs: str) -> dict[str, Any] | None:
    """One Slack lookup (users.info, conversations.info); None, logged, when Slack says no."""
    try:
        return method(**kwargs)[field]
    except SlackApiError as exc:
        log.warning("%s lookup failed: %s", field, slack_error(exc))
        return None
