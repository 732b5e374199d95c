"""The /tutor slash command: parse the text, hand each sub-command to one service call, reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.answer_blocks import help_blocks, topics_blocks
from bot.blocks.kit import escape
from bot.blocks.review_blocks import status_blocks, status_text
from bot.blocks.score_blocks import stats_fields
from bot.listeners.payloads import field, services
from bot.services.asking import questions
from bot.services.asking.questions import Asked
from bot.services.learning import insights, reviews
from bot.services.quiz import channels, practice
from bot.services.quiz.channels import ScheduleRequest
from bot.services.runtime.context import Context
from bot.services.scores import leaderboards, stats, teams
from bot.tutor.command_parser import Command, parse_command
from bot.tutor.schedule_rules import ScheduleError
from bot.tutor.team_names import TeamNameError

COMMAND = "/tutor"


def register(app: App) -> None:
    app.command(COMMAND)(tutor)


def tutor(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    cmd = parse_command(field(command, "text"))
    HANDLERS.get(cmd.name, _help)(services(context), cmd, command, ack, client)


def _ephemeral(ack: Ack, text: str, blocks: list[dict[str, Any]]) -> None:
    ack(response_type="ephemeral", text=text, blocks=blocks)


def _ask(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    question = Asked(
        cmd.text, field(command, "team_id"), field(command, "user_id"), field(command, "channel_id") or None, "command"
    )
    reply = questions.answer_command(ctx, question, field(command, "response_url"))
    if reply is None:  # a language model reads it: the answer follows through response_url
        ack()
    else:
        _ephemeral(ack, reply.text, reply.blocks)


def _help(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    _ephemeral(ack, cmd.error or "Here is what I can do.", help_blocks(cmd.error))


def _topics(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    _ephemeral(ack, "Topics I can explain.", topics_blocks(list(ctx.bank.topics.values())))


def _quiz(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    question, blocks = practice.practice_question(ctx, field(command, "team_id"), field(command, "user_id"))
    _ephemeral(ack, f"Practice: {question.prompt}", blocks)


def _stats(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    mine = stats.personal_stats(ctx, field(command, "team_id"), field(command, "user_id"))
    _ephemeral(ack, f"{mine.points:.0f} points", [stats_fields(mine)])


def _schedule(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    ack()  # the checks call Slack: the answer comes through response_url
    request = ScheduleRequest(
        field(command, "team_id"),
        field(command, "user_id"),
        field(command, "channel_id"),
        cmd.args[0],
        cmd.args[1] if len(cmd.args) > 1 else None,
        field(command, "response_url"),
    )
    channels.schedule_from_slack(ctx, client, request)


def _review(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    workspace, user = field(command, "team_id"), field(command, "user_id")
    if cmd.args[0] == "status":
        mine = reviews.status(ctx, workspace, user)
        _ephemeral(ack, status_text(mine), status_blocks(mine))
        return
    try:
        mine = reviews.switch(ctx, workspace, user, cmd.args[0] == "on", cmd.args[1] if len(cmd.args) > 1 else None)
    except ScheduleError as exc:
        _ephemeral(ack, f"That time won't work: {exc}.", help_blocks(f":warning: {exc}."))
        return
    _ephemeral(ack, status_text(mine), status_blocks(mine))
    if mine.enabled:  # the time zone comes from users.info, after the ack
        reviews.confirm_on(ctx, client, workspace, user, field(command, "response_url") or None)


def _leaderboard(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    ack()  # names may need users.info: the board comes through response_url
    period, who = cmd.args
    leaderboards.send_leaderboard(
        ctx,
        client,
        field(command, "team_id"),
        field(command, "user_id"),
        field(command, "channel_id") or None,
        period,
        who == "teams",
        field(command, "response_url"),
    )


def _team(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    workspace, user = field(command, "team_id"), field(command, "user_id")
    action = cmd.args[0]
    if action == "join":
        try:
            name = teams.join_team(ctx, workspace, user, cmd.args[1])
        except TeamNameError as exc:
            _ephemeral(ack, f"That team name won't work: {exc}.", help_blocks(f":warning: {exc}."))
            return
        text = f":busts_in_silhouette: You're in team *{escape(name)}*. Your answers now count for it too."
    elif action == "leave":
        left = teams.leave_team(ctx, workspace, user)
        text = f"You left *{escape(left)}*." if left else "You're not in a team."
    else:
        listed = teams.list_teams(ctx, workspace)
        text = "\n".join(f"• *{escape(n)}*: {c} member{'s' if c != 1 else ''}" for n, c in listed) or (
            "No teams yet. Start one with `/tutor team join NAME`."
        )
    _ephemeral(ack, text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


def _insights(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    ack()  # a big channel's tallies take a moment: the figures come privately through response_url
    period, team = cmd.args
    request = insights.InsightRequest(
        field(command, "team_id"),
        field(command, "user_id"),
        field(command, "channel_id") or None,
        period,
        team or None,
        field(command, "response_url"),
    )
    insights.send_reply(ctx, request)


def _insights_weekly(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, client: WebClient) -> None:
    on, team = cmd.args[0] == "on", cmd.args[1] or None
    workspace, user = field(command, "team_id"), field(command, "user_id")
    text = insights.set_weekly(ctx, workspace, user, field(command, "channel_id") or None, on, team)
    _ephemeral(ack, text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


Handler = Callable[[Context, Command, dict[str, Any], Ack, WebClient], None]
HANDLERS: dict[str, Handler] = {
    "ask": _ask,
    "help": _help,
    "usage": _help,
    "topics": _topics,
    "quiz": _quiz,
    "schedule": _schedule,
    "leaderboard": _leaderboard,
    "stats": _stats,
    "team": _team,
    "insights": _insights,
    "insights_weekly": _insights_weekly,
    "review": _review,
}
