"""Privacy: forget one person, read back everything stored about them, purge workspaces that left.

Each function works inside the caller's transaction, so a command is all-or-nothing. Counts are what the
statements removed (or, with `dry_run`, what they would remove), per table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, column, delete, func, or_, select, table, update
from sqlalchemy.orm import Session

from storage.models import (
    Answer,
    AskedQuestion,
    HelpfulVote,
    InsightPost,
    InsightSubscription,
    ProcessedEvent,
    QuizChannel,
    QuizPost,
    ReviewCard,
    ReviewDay,
    ReviewSetting,
    ScoreTotal,
    Team,
    TeamMember,
    TopicSuggestion,
    UserName,
    Workspace,
)
from storage.records import (
    AskedRecord,
    Facts,
    MembershipRecord,
    NameRecord,
    PendingEventRecord,
    PersonData,
    VoteRecord,
    WorkspacePurge,
)
from storage.repos import reviews, suggestions, totals
from storage.repos.answers import _record as answer_record  # the one row-to-record mapping of answers
from storage.repos.insights import _post_record as insight_post  # and of weekly insights sends
from storage.repos.totals import FACT_COLUMNS

# The tables whose rows name a person (their user id and the workspace), in deletion order.
PERSON_TABLES: tuple[Any, ...] = (
    Answer,
    ScoreTotal,
    HelpfulVote,
    AskedQuestion,
    UserName,
    TeamMember,
    InsightSubscription,  # the weekly insights DM they asked for
    InsightPost,  # the weekly insights DMs sent to them (channel posts carry no user id)
    TopicSuggestion,
    ReviewCard,
    ReviewDay,
    ReviewSetting,
)
# slack_sdk's installation store (created by migration 0003, not modelled here): rows per installed team.
SLACK_TABLES = tuple(
    table(name, column("team_id"), column("installed_at")) for name in ("slack_installations", "slack_bots")
)


def _mine(model: Any, workspace_id: str, user_id: str) -> list[ColumnElement[bool]]:
    return [model.workspace_id == workspace_id, model.user_id == user_id]


def _count(session: Session, target: Any, where: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(target).where(*where)) or 0


def _remove(session: Session, target: Any, where: list[ColumnElement[bool]], dry_run: bool) -> int:
    if dry_run:
        return _count(session, target, where)
    return session.execute(delete(target).where(*where)).rowcount


def _names(payload: Any, user_id: str) -> bool:
    """True when a decoded event holds the user id as a whole string value, at any depth."""
    if isinstance(payload, dict):
        return any(_names(value, user_id) for value in payload.values())
    if isinstance(payload, list):
        return any(_names(value, user_id) for value in payload)
    return payload == user_id


def _pending_events_of(session: Session, workspace_id: str, user_id: str) -> list[PendingEventRecord]:
    """Unhandled inbox events of this workspace whose payload names the person (handled ones keep no payload)."""
    rows = session.execute(
        select(ProcessedEvent.event_id, ProcessedEvent.seen_at, ProcessedEvent.payload)
        .where(
            ProcessedEvent.workspace_id == workspace_id,
            ProcessedEvent.payload.is_not(None),
            ProcessedEvent.payload.contains(user_id, autoescape=True),  # a cheap filter; decoded below
        )
        .order_by(ProcessedEvent.seen_at, ProcessedEvent.event_id)
    )
    found = []
    for event_id, seen_at, payload in rows:
        try:
            named = _names(json.loads(payload), user_id)
        except ValueError:
            named = json.dumps(user_id) in payload  # not JSON: the id as a quoted string
        if named:
            found.append(PendingEventRecord(event_id, seen_at, payload))
    return found


def forget_person(
    session: Session, workspace_id: str, user_id: str, now: datetime, dry_run: bool = False
) -> dict[str, int]:
    """Remove a person from one workspace; returns the rows removed per table.

    Their answers (daily and practice), score total, helpful votes, the questions they typed, their cached
    name and team membership are deleted. Their unhandled inbox events are marked handled and lose their
    payload (the row keeps only Slack's event id and times, so a late retry of the event is still recognised
    and not answered, nor logged, again). The workspace's score totals are then rebuilt from the remaining
    answers. Ranks on closed posts are kept as they were: the others' fast-answer bonuses do not move."""
    if not dry_run:
        # Lock the posts they answered: a close running now ranks their answer either before this or not at all.
        their_posts = select(Answer.post_id).where(*_mine(Answer, workspace_id, user_id), Answer.post_id.is_not(None))
        session.execute(select(QuizPost.id).where(QuizPost.id.in_(their_posts)).with_for_update())
    removed = {
        model.__tablename__: _remove(session, model, _mine(model, workspace_id, user_id), dry_run)
        for model in PERSON_TABLES
    }
    events = [e.event_id for e in _pending_events_of(session, workspace_id, user_id)]
    if events and not dry_run:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id.in_(events), ProcessedEvent.handled_at.is_(None))
            .values(payload=None, handled_at=now)
        )
    removed[ProcessedEvent.__tablename__] = len(events)
    if not dry_run and any(removed.values()):
        totals.rebuild(session, workspace_id)
    return removed


def person_data(session: Session, workspace_id: str, user_id: str) -> PersonData:
    """Everything stored about a person in one workspace, oldest first."""
    rows = session.scalars(
        select(Answer).where(*_mine(Answer, workspace_id, user_id)).order_by(Answer.answered_at, Answer.id)
    )
    votes = session.execute(
        select(HelpfulVote.topic, HelpfulVote.helpful, HelpfulVote.voted_at)
        .where(*_mine(HelpfulVote, workspace_id, user_id))
        .order_by(HelpfulVote.voted_at, HelpfulVote.topic)
    )
    questions = session.execute(
        select(
            AskedQuestion.text,
            AskedQuestion.surface,
            AskedQuestion.channel_id,
            AskedQuestion.topic,
            AskedQuestion.confidence,
            AskedQuestion.band,
            AskedQuestion.asked_at,
        )
        .where(*_mine(AskedQuestion, workspace_id, user_id))
        .order_by(AskedQuestion.asked_at, AskedQuestion.id)
    )
    team = session.execute(
        select(Team.id, Team.name, TeamMember.joined_at)
        .join(TeamMember, TeamMember.team_pk == Team.id)
        .where(*_mine(TeamMember, workspace_id, user_id))
    ).first()
    name = session.get(UserName, (workspace_id, user_id))
    total = session.get(ScoreTotal, (workspace_id, user_id))
    subscription = session.get(InsightSubscription, (workspace_id, user_id))
    return PersonData(
        workspace_id=workspace_id,
        user_id=user_id,
        answers=tuple(answer_record(row) for row in rows),
        votes=tuple(VoteRecord(t, bool(h), at) for t, h, at in votes),
        questions=tuple(AskedRecord(*row) for row in questions),
        pending_events=tuple(_pending_events_of(session, workspace_id, user_id)),
        team=MembershipRecord(team[0], team[1], team[2]) if team else None,
        name=NameRecord(name.display_name, name.fetched_at) if name else None,
        totals=Facts(*(getattr(total, c) for c in FACT_COLUMNS)) if total else None,
        suggestions=tuple(suggestions.of_person(session, workspace_id, user_id)),
        insights_weekly=(
            {"channel_id": subscription.channel_id, "team": subscription.team_name, "since": subscription.created_at}
            if subscription
            else None
        ),
        reviews=reviews.review_data(session, workspace_id, user_id),
        insight_dms=tuple(
            insight_post(row)
            for row in session.scalars(
                select(InsightPost).where(*_mine(InsightPost, workspace_id, user_id)).order_by(InsightPost.week_start)
            )
        ),
    )


def workspaces_of(session: Session, user_id: str) -> list[str]:
    """Every workspace holding rows that name this user id (a Slack Connect member answers in others' quizzes)."""
    found: set[str] = set()
    for model in PERSON_TABLES:
        found.update(session.scalars(select(model.workspace_id).where(model.user_id == user_id).distinct()))
    return sorted(found)


def _workspace_rows(ws: str, uninstalled_at: datetime) -> Iterator[tuple[str, Any, list[ColumnElement[bool]]]]:
    """(table name, table, which rows) for everything of one workspace, children before parents."""
    their_posts = select(QuizPost.id).where(QuizPost.workspace_id == ws)
    # Answers to its quiz posts are its data too, and must go before the posts (no cascade on answers).
    yield "answers", Answer, [or_(Answer.workspace_id == ws, Answer.post_id.in_(their_posts))]
    for model in (
        ScoreTotal,
        QuizPost,
        QuizChannel,
        HelpfulVote,
        AskedQuestion,
        TopicSuggestion,
        ProcessedEvent,
        UserName,
        ReviewCard,
        ReviewDay,
        ReviewSetting,
    ):
        yield model.__tablename__, model, [model.workspace_id == ws]
    for model in (InsightSubscription, InsightPost):
        yield model.__tablename__, model, [model.workspace_id == ws]
    yield "team_members", TeamMember, [TeamMember.workspace_id == ws]
    yield "teams", Team, [Team.workspace_id == ws]
    for slack_table in SLACK_TABLES:
        # Only installations from before the uninstall: a reinstall racing the purge keeps its fresh token.
        yield (
            slack_table.name,
            slack_table,
            [slack_table.c.team_id == ws, slack_table.c.installed_at <= uninstalled_at],
        )
    yield "workspaces", Workspace, [Workspace.workspace_id == ws]


def uninstalled_before(session: Session, cutoff: datetime, *, lock: bool = False) -> list[tuple[str, datetime]]:
    """(workspace id, when it was uninstalled) of every workspace uninstalled before `cutoff`; `lock` holds
    their rows, so a reinstall recorded meanwhile waits for the purge to end."""
    query = (
        select(Workspace.workspace_id, Workspace.uninstalled_at)
        .where(Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at < cutoff)
        .order_by(Workspace.workspace_id)
    )
    return [(ws, at) for ws, at in session.execute(query.with_for_update() if lock else query)]


def purge_uninstalled(session: Session, cutoff: datetime, dry_run: bool = False) -> list[WorkspacePurge]:
    """Delete every row of each workspace uninstalled before `cutoff`, its `workspaces` row included (a
    reinstall starts afresh); returns the rows removed per table and workspace. Other workspaces whose
    answers were on a purged workspace's posts get their totals rebuilt."""
    purged = []
    for ws, at in uninstalled_before(session, cutoff, lock=not dry_run):
        touched = set(
            session.scalars(
                select(Answer.workspace_id)
                .where(Answer.post_id.in_(select(QuizPost.id).where(QuizPost.workspace_id == ws)))
                .distinct()
            )
        )
        removed = {name: _remove(session, target, where, dry_run) for name, target, where in _workspace_rows(ws, at)}
        if not dry_run:
            for other in sorted(touched - {ws}):
                totals.rebuild(session, other)
        purged.append(WorkspacePurge(ws, at, removed))
    return purged
