"""Teams, memberships and the display-name cache."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Team, TeamMember, UserName
from storage.records import TeamRecord
from storage.repos import upsert_insert


def join_team(session: Session, workspace_id: str, user_id: str, name: str, at: datetime) -> TeamRecord:
    """Join (creating if needed) the team whose case-folded name matches; leaves any previous team.

    Empty teams are kept, not deleted: every list joins through the members, so they never show, and
    deleting one could race a join into it and silently drop the joiner."""
    key = name.casefold()
    # Several people may found the same team at once: the unique (workspace, name) key settles who creates it.
    session.execute(
        upsert_insert(session, Team)
        .values(workspace_id=workspace_id, name=name, name_key=key, created_at=at)
        .on_conflict_do_nothing(index_elements=["workspace_id", "name_key"])
    )
    team = session.scalars(select(Team).where(Team.workspace_id == workspace_id, Team.name_key == key)).one()
    session.execute(
        upsert_insert(session, TeamMember)
        .values(workspace_id=workspace_id, user_id=user_id, team_pk=team.id, joined_at=at)
        .on_conflict_do_update(index_elements=["workspace_id", "user_id"], set_={"team_pk": team.id, "joined_at": at})
    )
    return TeamRecord(team.id, team.name)


def leave_team(session: Session, workspace_id: str, user_id: str) -> TeamRecord | None:
    member = session.get(TeamMember, (workspace_id, user_id))
    if member is None:
        return None
    team = session.get(Team, member.team_pk)
    session.delete(member)
    return TeamRecord(team.id, team.name) if team else None


def team_of(session: Session, workspace_id: str, user_id: str) -> TeamRecord | None:
    row = session.execute(
        select(Team.id, Team.name)
        .join(TeamMember, TeamMember.team_pk == Team.id)
        .where(TeamMember.workspace_id == workspace_id, TeamMember.user_id == user_id)
    ).first()
    return TeamRecord(row[0], row[1]) if row else None


def teams_of(session: Session, workspace_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    rows = session.execute(
        select(TeamMember.user_id, Team.name)
        .join(Team, Team.id == TeamMember.team_pk)
        .where(TeamMember.workspace_id == workspace_id, TeamMember.user_id.in_(user_ids))
    )
    return {user: team for user, team in rows}


def list_teams(session: Session, workspace_id: str) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Team.name, func.count(TeamMember.user_id))
        .join(TeamMember, TeamMember.team_pk == Team.id)
        .where(Team.workspace_id == workspace_id)
        .group_by(Team.id, Team.name)
        .order_by(func.count(TeamMember.user_id).desc(), Team.name_key)
    )
    return [(name, int(n)) for name, n in rows]


def cached_names(session: Session, workspace_id: str, user_ids: Sequence[str]) -> dict[str, tuple[str, datetime]]:
    rows = session.execute(
        select(UserName.user_id, UserName.display_name, UserName.fetched_at).where(
            UserName.workspace_id == workspace_id, UserName.user_id.in_(user_ids)
        )
    )
    return {u: (n, at) for u, n, at in rows}


def save_name(session: Session, workspace_id: str, user_id: str, name: str, at: datetime) -> None:
    session.execute(
        upsert_insert(session, UserName)
        .values(workspace_id=workspace_id, user_id=user_id, display_name=name, fetched_at=at)
        .on_conflict_do_update(
            index_elements=["workspace_id", "user_id"], set_={"display_name": name, "fetched_at": at}
        )
    )
