"""Leaderboards, personal stats, teams and the CSV export: repositories plus the scoring rules."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.scores import weekly_summary_blocks
from bot.context import Context
from bot.tutor import scoring
from bot.tutor.schedule import period_start, to_utc, week_start
from bot.tutor.teams import clean_team_name
from storage.db import reading, transaction
from storage.repos import people, scores
from storage.repos import quiz as quiz_repo

log = logging.getLogger(__name__)
RULES = scores.Rules(scoring.BASE_POINTS, scoring.FAST_BONUS)
NAME_TTL = timedelta(days=1)
BULK_NAMES = 20  # more stale names than this are fetched with users.list instead of users.info each
TOP = 10


@dataclass(frozen=True)
class Row:
    rank: int
    key: str  # user id or team name
    name: str
    points: float
    accuracy: float
    streak: int | None = None  # people only
    active: int | None = None  # teams only


@dataclass(frozen=True)
class Board:
    period: str
    teams: bool
    rows: list[Row]
    you: Row | None = None  # the asker, when outside the top 10
    tz: str = "UTC"


@dataclass(frozen=True)
class Stats:
    points: float
    rank: int | None
    people: int
    streak: int
    accuracy: float
    answers: int
    team: str | None
    team_rank: int | None
    mastery: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic -> (right, of recent)


# -- names -------------------------------------------------------------------------------------------


def display_names(ctx: Context, client: WebClient | None, workspace_id: str, user_ids: list[str]) -> dict[str, str]:
    """Names from the cache; users.info only for people not seen today (never one call per row per view)."""
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
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
    return fetched


def _fetch_all_names(client: WebClient) -> dict[str, str]:
    """Many names at once (an export): one paged users.list, 200 people a call, not one call per person."""
    fetched: dict[str, str] = {}
    try:
        for page in client.users_list(limit=200):
            fetched.update({u["id"]: _name_of(u) for u in page.get("members", [])})
    except SlackApiError as exc:
        log.warning("users.list failed: %s", exc.response.get("error"))
    return fetched


# -- streaks -----------------------------------------------------------------------------------------


def streaks(ctx: Context, workspace_id: str, user_ids: list[str], channel_id: str | None = None) -> dict[str, int]:
    """Each person's current streak: in `channel_id`, or their best across the channels they play in."""
    with reading(ctx.sessions) as session:
        answered = scores.answered_posts(session, workspace_id, user_ids)
        channels = sorted({c for per in answered.values() for c in per} | ({channel_id} if channel_id else set()))
        posts = scores.channel_posts(session, workspace_id, channels)
    out: dict[str, int] = {}
    for user_id in user_ids:
        best = 0
        for channel, channel_posts in posts.items():
            if channel_id and channel != channel_id:
                continue
            attendance = [scoring.PostAttendance(p, is_open) for p, is_open in channel_posts]
            best = max(best, scoring.streak(attendance, answered[user_id].get(channel, set())))
        out[user_id] = best
    return out


# -- leaderboards ------------------------------------------------------------------------------------


def channel_tz(ctx: Context, workspace_id: str, channel_id: str | None) -> ZoneInfo:
    """Weeks and months follow the quiz channel's time zone; elsewhere UTC."""
    if channel_id:
        with reading(ctx.sessions) as session:
            channel = quiz_repo.get_channel(session, workspace_id, channel_id)
        if channel:
            return ZoneInfo(channel.tz)
    return ZoneInfo("UTC")


def _ranked_people(
    ctx: Context, workspace_id: str, period: str, tz: ZoneInfo, channel_id: str | None
) -> list[tuple[int, scores.PersonTotals]]:
    since = period_start(ctx.clock(), tz, period)
    with reading(ctx.sessions) as session:
        return rank_people(scores.people_totals(session, workspace_id, RULES, since, channel_id))


def rank_people(totals: list[scores.PersonTotals]) -> list[tuple[int, scores.PersonTotals]]:
    """Most points first; ties share a rank and are listed by accuracy, then user id."""
    return scoring.ranked(totals, lambda t: t.points, lambda t: (-scoring.accuracy(t.correct, t.answers), t.user_id))


def _person_rows(
    ctx: Context,
    client: WebClient | None,
    workspace_id: str,
    ranked_people: list[tuple[int, scores.PersonTotals]],
    channel_id: str | None,
) -> list[Row]:
    """Board rows with cached display names and current streaks, for the few people shown."""
    ids = [t.user_id for _, t in ranked_people]
    names = display_names(ctx, client, workspace_id, ids)
    current = streaks(ctx, workspace_id, ids, channel_id)
    return [
        Row(r, t.user_id, names[t.user_id], t.points, scoring.accuracy(t.correct, t.answers), streak=current[t.user_id])
        for r, t in ranked_people
    ]


def _ranked_teams(
    ctx: Context, workspace_id: str, period: str, tz: ZoneInfo, channel_id: str | None
) -> list[tuple[int, scores.TeamTotals]]:
    since = period_start(ctx.clock(), tz, period)
    with reading(ctx.sessions) as session:
        totals = scores.team_totals(session, workspace_id, RULES, since, channel_id)
    return scoring.ranked(
        totals, lambda t: scoring.team_score(t.points, t.active), lambda t: (-t.active, t.name.casefold())
    )


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
    scope = channel_id if only_channel else None
    if teams:
        return _team_board(ctx, workspace_id, period, tz, scope, asker)
    ranked_people = _ranked_people(ctx, workspace_id, period, tz, scope)
    top = ranked_people[:TOP]
    mine = next(((r, t) for r, t in ranked_people if t.user_id == asker), None) if asker else None
    outside = [mine] if mine and mine[0] > TOP else []
    rows = _person_rows(ctx, client, workspace_id, top + outside, scope)
    return Board(period, False, rows[: len(top)], rows[len(top)] if outside else None, tz.key)


def _team_board(
    ctx: Context, workspace_id: str, period: str, tz: ZoneInfo, scope: str | None, asker: str | None
) -> Board:
    ranked_teams = _ranked_teams(ctx, workspace_id, period, tz, scope)

    def row(rank: int, t: scores.TeamTotals) -> Row:
        score = scoring.team_score(t.points, t.active)
        return Row(rank, t.name, t.name, score, scoring.accuracy(t.correct, t.answers), active=t.active)

    mine = None
    if asker:
        with reading(ctx.sessions) as session:
            team = people.team_of(session, workspace_id, asker)
        mine = next(((r, t) for r, t in ranked_teams if team and t.team_pk == team.id), None)
    you = row(*mine) if mine and mine[0] > TOP else None
    return Board(period, True, [row(r, t) for r, t in ranked_teams[:TOP]], you, tz.key)


def personal_stats(ctx: Context, workspace_id: str, user_id: str) -> Stats:
    utc = ZoneInfo("UTC")
    ranked_people = _ranked_people(ctx, workspace_id, "all", utc, None)
    mine = next(((r, t) for r, t in ranked_people if t.user_id == user_id), None)
    with reading(ctx.sessions) as session:
        team = people.team_of(session, workspace_id, user_id)
        recent = scores.recent_by_topic(session, workspace_id, user_id)
    team_rank = None
    if team:
        team_rank = next(
            (r for r, t in _ranked_teams(ctx, workspace_id, "all", utc, None) if t.team_pk == team.id), None
        )
    totals = mine[1] if mine else None
    return Stats(
        points=totals.points if totals else 0.0,
        rank=mine[0] if mine else None,
        people=len(ranked_people),
        streak=streaks(ctx, workspace_id, [user_id])[user_id],
        accuracy=scoring.accuracy(totals.correct, totals.answers) if totals else 0.0,
        answers=totals.answers if totals else 0,
        team=team.name if team else None,
        team_rank=team_rank,
        mastery={topic: (sum(results), len(results)) for topic, results in recent.items()},
    )


def weekly_summary(
    ctx: Context, client: WebClient, workspace_id: str, channel_id: str, tz_name: str, today: date
) -> bool:
    """Post last week's top 10 of this channel; called once, by whoever posts the week's first quiz."""
    tz = ZoneInfo(tz_name)
    this_week = week_start(today)
    since = to_utc(datetime.combine(this_week - timedelta(days=7), time(0), tzinfo=tz))
    until = to_utc(datetime.combine(this_week, time(0), tzinfo=tz))
    with transaction(ctx.sessions) as session:
        totals = scores.people_totals(session, workspace_id, RULES, since, channel_id, until)
    if not totals:
        return False
    rows = _person_rows(ctx, client, workspace_id, rank_people(totals)[:TOP], channel_id)
    board = Board("week", False, rows, None, tz.key)
    blocks = weekly_summary_blocks(board, this_week - timedelta(days=7))
    client.chat_postMessage(channel=channel_id, text="Last week's quiz leaderboard", blocks=blocks)
    return True


# -- teams -------------------------------------------------------------------------------------------


def join_team(ctx: Context, workspace_id: str, user_id: str, raw_name: str) -> str:
    name = clean_team_name(raw_name)  # TeamNameError says what is wrong
    with transaction(ctx.sessions) as session:
        return people.join_team(session, workspace_id, user_id, name, ctx.clock()).name


def leave_team(ctx: Context, workspace_id: str, user_id: str) -> str | None:
    with transaction(ctx.sessions) as session:
        team = people.leave_team(session, workspace_id, user_id)
        return team.name if team else None


def list_teams(ctx: Context, workspace_id: str) -> list[tuple[str, int]]:
    with transaction(ctx.sessions) as session:
        return people.list_teams(session, workspace_id)


# -- export ------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; a display name must stay text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(ctx: Context, client: WebClient | None, workspace_id: str, period: str = "all") -> str:
    ranked_people = _ranked_people(ctx, workspace_id, period, ZoneInfo("UTC"), None)
    user_ids = [t.user_id for _, t in ranked_people]
    names = display_names(ctx, client, workspace_id, user_ids)
    current = streaks(ctx, workspace_id, user_ids)
    with reading(ctx.sessions) as session:
        team_names = people.teams_of(session, workspace_id, user_ids)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "person", "user_id", "team", "points", "answers", "accuracy", "streak"])
    for rank, t in ranked_people:
        writer.writerow(
            [
                rank,
                _cell(names[t.user_id]),
                t.user_id,
                _cell(team_names.get(t.user_id, "")),
                round(t.points, 1),
                t.answers,
                f"{scoring.accuracy(t.correct, t.answers):.3f}",
                current[t.user_id],
            ]
        )
    return out.getvalue()
