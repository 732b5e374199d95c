"""Block Kit for leaderboards, personal stats and the App Home."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.blocks.kit import (
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    entities,
    escape,
    header,
    mrkdwn,
    section,
    sections,
)
from bot.tutor.scoring import bar, mastery
from bot.tutor.standings import Board, Row, Stats

MAX_HOME_BLOCKS = 100
MAX_NAME = 40  # characters of a display name shown on a board
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}
MEDALS = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}
HOME_PRACTICE, HOME_LEADERBOARD = "home_practice", "home_leaderboard"


def _pct(share: float) -> str:
    return f"{round(share * 100)}%"


def board_lines(board: Board) -> list[str]:
    def line(row: Row) -> str:
        badge = MEDALS.get(row.rank, f"`{row.rank:>2}.`")
        extra = f"{row.active} active" if board.teams else f"streak {row.streak}"
        name = escape(clip(row.name, MAX_NAME))
        return f"{badge} *{name}*  {row.points:.0f} pts · {_pct(row.accuracy)} right · {extra}"

    lines = [line(r) for r in board.rows]
    if board.you:
        lines += ["…", line(board.you) + "  _(you)_"]
    return lines


def leaderboard_blocks(board: Board) -> list[Block]:
    who = "Teams" if board.teams else "People"
    blocks: list[Block] = [header(f"{who}: {PERIOD_TITLES[board.period]}")]
    lines = board_lines(board)
    blocks += sections(lines) if lines else [section("No scored answers yet in this period. Be the first!")]
    note = f"Weeks and months in {board.tz}."
    if board.teams:
        note += " Team points are per active member (at least 3), so size alone does not win."
    blocks.append(context(mrkdwn(note)))
    return blocks


def weekly_summary_blocks(board: Board, week_of: date) -> list[Block]:
    return [
        header(f"Quiz leaderboard: week of {week_of:%d %b}"),
        *sections(board_lines(board)),
        context(mrkdwn("A new week starts now. `/tutor leaderboard` shows the live standings.")),
    ]


def stats_fields(stats: Stats) -> Block:
    rank = f"#{stats.rank} of {stats.people}" if stats.rank else "not ranked yet"
    team = (
        f"{escape(stats.team)} (#{stats.team_rank})"
        if stats.team and stats.team_rank
        else (escape(stats.team) if stats.team else "none yet: `/tutor team join NAME`")
    )
    return {
        "type": "section",
        "fields": [
            mrkdwn(f"*Points*\n{stats.points:.0f}"),
            mrkdwn(f"*Rank (all time)*\n{rank}"),
            mrkdwn(f"*Streak*\n{stats.streak} quiz day{'s' if stats.streak != 1 else ''}"),
            mrkdwn(f"*Accuracy*\n{_pct(stats.accuracy)} of {stats.answers}"),
            mrkdwn(f"*Team*\n{team}"),
        ],
    }


def home_view(stats: Stats, topic_titles: Mapping[str, str], extra: Sequence[Block] = ()) -> dict[str, Any]:
    """`extra`: sections other features add below the buttons (personal reviews)."""
    blocks: list[Block] = [
        header("Your lab2prod"),
        stats_fields(stats),
        actions(
            button("Practice question", HOME_PRACTICE, "practice", style="primary"),
            button("Leaderboard", HOME_LEADERBOARD, "week"),
        ),
        *extra,
        divider(),
        section("*Mastery by topic* (share right of your latest answers per topic)"),
    ]
    lines = []
    for topic_id, title in topic_titles.items():
        right, total = stats.mastery.get(topic_id, (0, 0))
        shown = f"{right}/{total}" if total else "not tried"
        lines.append(f"`{bar(mastery(right, total))}` {entities(title)} · {shown}")
    blocks += sections(lines)
    blocks.append(context(mrkdwn("Ask me anything in a DM, or type `/tutor help`.")))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
