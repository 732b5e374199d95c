"""Leaderboards of people and teams for a week, a month or all time, and each person's current streak."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.blocks.score_blocks import leaderboard_blocks
from bot.services.runtime.context import Context
from bot.services.scores.names import display_names
from bot.tutor import scoring
from bot.tutor.schedule_rules import period_start
from bot.tutor.standings import TOP, Board, Row
from storage.db import reading
from storage.records import PersonFacts, TeamFacts
from storage.repos import boards, people, schedules

log = logging.getLogger(__name__)


def streaks(ctx: Context, workspace_id: str, user_ids: list[str], channel_id: str | None = None) -> dict[str, int]:
    """Each person's current streak: in `channel_id`, or their best across the channels they play in."""
    with reading(ctx.sessions) as session:
        answered = boards.answered_posts(session, workspace_id, user_ids)
        channels = sorted({c for per in answered.values() for c in per} | ({channel_id} if channel_id else set()))
        channel_posts = boards.channel_posts(session, workspace_id, channels)
    out: dict[str, int] = {}
    for user_id in user_ids:
        best = 0
        for channel, posted in channel_posts.items():
            if channel_id and channel != channel_id:
                continue
            attendance = [scoring.PostAttendance(p, is_open) for p, is_open in posted]
            best = max(best, scoring.streak(attendance, answered[user_id].get(channel, set())))
        out[user_id] = best
    return out


def channel_tz(ctx: Context, workspace_id: str, channel_id: str | None) -> ZoneInfo:
    """Weeks and months follow the quiz channel's time zone; elsewhere UTC."""
    if channel_id:
        with reading(ctx.sessions) as session:
            channel = schedules.get_channel(session, channel_id)
        if channel:
            return ZoneInfo(channel.tz)
    return ZoneInfo("UTC")


def rank_people(facts: list[PersonFacts]) -> list[tuple[int, PersonFacts]]:
    """Most points first; ties share a rank and are listed by accuracy, then user id."""
    return scoring.ranked(
        facts,
        lambda p: scoring.points(p.facts),
        lambda p: (-scoring.accuracy(p.facts.correct, p.facts.answers), p.user_id),
    )


def rank_teams(facts: list[TeamFacts]) -> list[tuple[int, TeamFacts]]:
    return scoring.ranked(facts, team_score, lambda t: (-t.active, t.name.casefold()))


def team_score(team: TeamFacts) -> float:
    return scoring.team_score(scoring.points(team.facts), team.active)


def ranked_people(
    ctx: Context,
    workspace_id: str,
    since: datetime | None,
    channel_id: str | None = None,
    until: datetime | None = None,
) -> list[tuple[int, PersonFacts]]:
    with reading(ctx.sessions) as session:
        return rank_people(boards.people_facts(session, workspace_id, since, channel_id, until))


def ranked_teams(
    ctx: Context, workspace_id: str, since: datetime | None, channel_id: str | None = None
) -> list[tuple[int, TeamFacts]]:
    with reading(ctx.sessions) as session:
        return rank_teams(boards.team_facts(session, workspace_id, since, channel_id))


def person_rows(
    ctx: Context,
    client: WebClient | None,
    workspace_id: str,
    ranked: list[tuple[int, PersonFacts]],
    channel_id: str | None,
) -> list[Row]:
    """Board rows with cached display names and current streaks, for the few people shown."""
    ids = [p.user_id for _, p in ranked]
    names = display_names(ctx, client, workspace_id, ids)
    current = streaks(ctx, workspace_id, ids, channel_id)
    return [
        Row(
            rank,
            p.user_id,
            names[p.user_id],
            scoring.points(p.facts),
            scoring.accuracy(p.facts.correct, p.facts.answers),
            streak=current[p.user_id],
        )
        for rank, p in ranked
    ]


def leaderboard(
    ctx: Context,
    client: WebClient | None,
    workspace_id: str,
    period: str = "week",
    teams: bool = False,
    channel_id: str | None = None,
    asker: str | None = None,
    only_channel: bool = False,
) -> Board:
    tz = channel_tz(ctx, workspace_id, channel_id)
    since = period_start(ctx.clock(), tz, period)
    scope = channel_id if only_channel else None
    if teams:
        return _team_board(ctx, workspace_id, period, since, tz, scope, asker)
    ranked = ranked_people(ctx, workspace_id, since, scope)
    top = ranked[:TOP]
    mine = next(((r, p) for r, p in ranked if p.user_id == asker), None) if asker else None
    outside = [mine] if mine and mine[0] > TOP else []
    rows = person_rows(ctx, client, workspace_id, top + outside, scope)
    return Board(period, False, rows[: len(top)], rows[len(top)] if outside else None, tz.key)


def period_board(
    ctx: Context,
    client: WebClient | None,
    workspace_id: str,
    channel_id: str,
    since: datetime,
    until: datetime,
    tz_name: str,
) -> Board:
    """The top people of one channel between two instants (the weekly summary)."""
    ranked = ranked_people(ctx, workspace_id, since, channel_id, until)[:TOP]
    return Board("week", False, person_rows(ctx, client, workspace_id, ranked, channel_id), None, tz_name)


def _team_board(
    ctx: Context,
    workspace_id: str,
    period: str,
    since: datetime | None,
    tz: ZoneInfo,
    scope: str | None,
    asker: str | None,
) -> Board:
    ranked = ranked_teams(ctx, workspace_id, since, scope)

    def row(rank: int, t: TeamFacts) -> Row:
        return Row(
            rank, t.name, t.name, team_score(t), scoring.accuracy(t.facts.correct, t.facts.answers), active=t.active
        )

    mine = None
    if asker:
        with reading(ctx.sessions) as session:
            team = people.team_of(session, workspace_id, asker)
        mine = next(((r, t) for r, t in ranked if team and t.team_pk == team.id), None)
    you = row(*mine) if mine and mine[0] > TOP else None
    return Board(period, True, [row(r, t) for r, t in ranked[:TOP]], you, tz.key)


def send_leaderboard(
    ctx: Context,
    client: WebClient,
    workspace_id: str,
    user_id: str,
    channel_id: str | None,
    period: str,
    teams: bool,
    response_url: str,
) -> None:
    """/tutor leaderboard: names may need Slack, so the board is built after the ack and sent to response_url."""

    def send() -> None:
        board = leaderboard(ctx, client, workspace_id, period, teams, channel_id, user_id)
        message = {"text": f"Leaderboard ({period})", "blocks": leaderboard_blocks(board), "response_type": "ephemeral"}
        ctx.slack.respond(response_url, message)

    ctx.background.submit(send)


def post_board_to_dm(ctx: Context, client: WebClient, workspace_id: str, user_id: str) -> None:
    """The App Home's Leaderboard button: this week's board as a DM (the Home tab has no response_url)."""

    def send() -> None:
        board = leaderboard(ctx, client, workspace_id, "week", asker=user_id)
        client.chat_postMessage(channel=user_id, text="Leaderboard (this week)", blocks=leaderboard_blocks(board))

    ctx.background.submit(send)
