"""Teams people join: one team per person per workspace, names case-insensitive."""

from __future__ import annotations

from bot.services.runtime.context import Context
from bot.tutor.team_names import clean_team_name
from storage.db import reading, transaction
from storage.repos import people


def join_team(ctx: Context, workspace_id: str, user_id: str, raw_name: str) -> str:
    """Join (or found) a team; TeamNameError says what is wrong with the name."""
    name = clean_team_name(raw_name)
    with transaction(ctx.sessions) as session:
        return people.join_team(session, workspace_id, user_id, name, ctx.clock()).name


def leave_team(ctx: Context, workspace_id: str, user_id: str) -> str | None:
    with transaction(ctx.sessions) as session:
        team = people.leave_team(session, workspace_id, user_id)
    return team.name if team else None


def list_teams(ctx: Context, workspace_id: str) -> list[tuple[str, int]]:
    with reading(ctx.sessions) as session:
        return people.list_teams(session, workspace_id)
