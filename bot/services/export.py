"""Exports for spreadsheets: every scored person with team, points, answers, accuracy and streak."""

from __future__ import annotations

import csv
import io

from slack_sdk import WebClient

from bot.services import leaderboards
from bot.services.context import Context
from bot.services.names import display_names
from bot.tutor import scoring
from bot.tutor.schedule_rules import period_start
from storage.db import reading
from storage.repos import people

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; a display name must stay text."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def export_csv(ctx: Context, client: WebClient | None, workspace_id: str, period: str = "all") -> str:
    since = period_start(ctx.clock(), leaderboards.channel_tz(ctx, workspace_id, None), period)
    ranked = leaderboards.ranked_people(ctx, workspace_id, since)
    user_ids = [p.user_id for _, p in ranked]
    names = display_names(ctx, client, workspace_id, user_ids)
    current = leaderboards.streaks(ctx, workspace_id, user_ids)
    with reading(ctx.sessions) as session:
        team_names = people.teams_of(session, workspace_id, user_ids)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "person", "user_id", "team", "points", "answers", "accuracy", "streak"])
    for rank, person in ranked:
        facts = person.facts
        writer.writerow(
            [
                rank,
                csv_cell(names[person.user_id]),
                person.user_id,
                csv_cell(team_names.get(person.user_id, "")),
                round(scoring.points(facts), 1),
                facts.answers,
                f"{scoring.accuracy(facts.correct, facts.answers):.3f}",
                current[person.user_id],
            ]
        )
    return out.getvalue()
