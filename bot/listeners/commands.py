"""The /tutor slash command: parse, then hand each sub-command to its handler."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot import quiz_service, scores_service
from bot.blocks.answers import help_blocks, topics_blocks
from bot.blocks.common import escape
from bot.blocks.scores import leaderboard_blocks, stats_fields
from bot.context import Context
from bot.listeners.asking import answer
from bot.tutor.commands import Command, parse_command
from bot.tutor.schedule import ScheduleError
from bot.tutor.teams import TeamNameError
from storage.db import reading
from storage.repos import quiz as quiz_repo

log = logging.getLogger(__name__)
COMMAND = "/tutor"


def _ack_ephemeral(ack: Ack, text: str, blocks: list[dict[str, Any]]) -> None:
    ack(response_type="ephemeral", text=text, blocks=blocks)


def register(app: App, ctx: Context) -> None:
    @app.command(COMMAND)
    def tutor(ack: Ack, command: dict[str, Any], respond: Respond, client: Any) -> None:
        cmd = parse_command(command.get("text", ""))
        handler = HANDLERS.get(cmd.name)
        if handler is None:
            _ack_ephemeral(ack, "Here is what I can do.", help_blocks())
            return
        handler(ctx, cmd, command, ack, respond, client)


def _ask(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    answer(
        ctx,
        cmd.text,
        lambda reply: _ack_ephemeral(ack, reply.text, reply.blocks),
        workspace_id=command.get("team_id", ""),
        user_id=command.get("user_id", ""),
        channel_id=command.get("channel_id"),
        surface="command",
    )


def _help(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    _ack_ephemeral(ack, "Here is what I can do.", help_blocks())


def _usage(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    _ack_ephemeral(ack, cmd.error or "Here is what I can do.", help_blocks(cmd.error))


def _topics(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    _ack_ephemeral(ack, "Topics I can explain.", topics_blocks(list(ctx.bank.topics.values())))


def _quiz(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    question, blocks = quiz_service.practice_question(ctx, command.get("team_id", ""), command.get("user_id", ""))
    _ack_ephemeral(ack, f"Practice: {question.prompt}", blocks)


def _schedule(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    ack()  # the checks call Slack; answer through response_url
    workspace, user, channel_id = command.get("team_id", ""), command.get("user_id", ""), command.get("channel_id", "")
    profile = _lookup(client.users_info, "user", user=user)
    channel = _lookup(client.conversations_info, "channel", channel=channel_id)
    if channel is None or not channel.get("is_member"):
        respond(text="I'm not in this channel yet. Invite me with `/invite @lab2prod`, then set the time again.")
        return
    if not (profile and (profile.get("is_admin") or profile.get("is_owner"))) and channel.get("creator") != user:
        # Slack has no API for channel managers, so: workspace admins and owners, or whoever created the channel.
        respond(text="Only workspace admins or the channel's creator can set this channel's quiz time.")
        return
    with reading(ctx.sessions) as session:
        existing = quiz_repo.get_channel(session, workspace, channel_id)
    # Only what was typed changes: the weekdays, open time and (unless given) time zone stay as they were.
    tz_name = cmd.args[1] if len(cmd.args) > 1 else existing.tz if existing else (profile or {}).get("tz") or "UTC"
    try:
        saved = quiz_service.save_channel(
            ctx,
            workspace,
            channel_id,
            cmd.args[0],
            tz_name,
            existing.weekdays if existing else "mon-fri",
            f"{existing.close_after_minutes}m" if existing else "8h",
        )
    except ScheduleError as exc:
        respond(text=f":warning: {exc}")
        return
    respond(
        text=f":alarm_clock: Daily quiz here at {saved.post_time} {saved.tz} on {saved.weekdays}.",
        response_type="in_channel",
    )


def _lookup(method: Any, field: str, **kwargs: str) -> dict[str, Any] | None:
    """One Slack lookup (users.info, conversations.info); None, logged, when Slack says no."""
    try:
        return method(**kwargs)[field]
    except SlackApiError as exc:
        log.warning("%s%s failed: %s", field, kwargs, exc.response.get("error"))
        return None


def _leaderboard(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    ack()  # names may need users.info: answer through response_url
    period, who = cmd.args
    board = scores_service.leaderboard(
        ctx,
        client,
        command.get("team_id", ""),
        period,
        who == "teams",
        command.get("channel_id"),
        command.get("user_id"),
    )
    respond(text=f"Leaderboard ({period})", blocks=leaderboard_blocks(board), response_type="ephemeral")


def _stats(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    stats = scores_service.personal_stats(ctx, command.get("team_id", ""), command.get("user_id", ""))
    _ack_ephemeral(ack, f"{stats.points:.0f} points", [stats_fields(stats)])


def _team(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    ack()  # a write may wait for the database lock longer than Slack waits for an ack: answer via response_url
    workspace, user = command.get("team_id", ""), command.get("user_id", "")
    action = cmd.args[0]
    if action == "join":
        try:
            name = scores_service.join_team(ctx, workspace, user, cmd.args[1])
        except TeamNameError as exc:
            respond(text=f"That team name won't work: {exc}.", blocks=help_blocks(f":warning: {exc}."))
            return
        text = f":busts_in_silhouette: You're in team *{escape(name)}*. Your answers now count for it too."
    elif action == "leave":
        left = scores_service.leave_team(ctx, workspace, user)
        text = f"You left *{escape(left)}*." if left else "You're not in a team."
    else:
        teams = scores_service.list_teams(ctx, workspace)
        text = "\n".join(f"• *{escape(n)}*: {c} member{'s' if c != 1 else ''}" for n, c in teams) or (
            "No teams yet. Start one with `/tutor team join NAME`."
        )
    respond(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


HANDLERS = {
    "ask": _ask,
    "help": _help,
    "usage": _usage,
    "topics": _topics,
    "quiz": _quiz,
    "schedule": _schedule,
    "leaderboard": _leaderboard,
    "stats": _stats,
    "team": _team,
}
