"""Exports for spreadsheets: every scored person with team, points, answers, accuracy and streak."""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from slack_sdk import WebClient

from bot.services.runtime.context import Context
from bot.services.scores import leaderboards
from bot.services.scores.names import display_names
from bot.tutor import scoring
from bot.tutor.schedule_rules import period_start
from storage.db import reading
from storage.repos import people

# OWASP's CSV injection advice: a cell a spreadsheet could read as a formula or a command starts with one of
# these, possibly after spaces or control characters, possibly in a fullwidth form (NFKC folds those).
FORMULA_STARTS = frozenset("=+-@;|\t\r\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def csv_cell(text: str) -> str:
    """A display name or team name as a cell that stays text: never a formula, never a second row."""
    flat = _CONTROL.sub(" ", text)  # a bare CR or LF would split the row in some readers
    first = unicodedata.normalize("NFKC", flat.lstrip())[:1]
    leading_space = flat[:1].isspace() or flat[:1] == "\u00a0"
    return "'" + flat if first in FORMULA_STARTS or leading_space else flat


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
