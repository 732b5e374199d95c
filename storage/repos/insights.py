"""Team insights: tallies of a channel's or a team's answers per time window, topic and question; the weekly
insights sends' claims; and the people who asked for them by DM. Every query is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Integer, bindparam, case, distinct, func, select, text, update
from sqlalchemy.orm import Session

from storage.insight_records import InsightPostRecord, QuestionTally, Scope, SubscriptionRecord, Tally, TopicTally
from storage.models import Answer, InsightPost, InsightSubscription, QuizChannel, QuizPost, Team, TeamMember
from storage.repos import upsert_insert


def _where(scope: Scope) -> list[ColumnElement[bool]]:
    where = [Answer.workspace_id == scope.workspace_id]
    if scope.channel_id is not None:
        where.append(Answer.channel_id == scope.channel_id)
    if scope.team_pk is not None:
        members = select(TeamMember.user_id).where(
            TeamMember.workspace_id == scope.workspace_id, TeamMember.team_pk == scope.team_pk
        )
        where.append(Answer.user_id.in_(members))
    return where


def _tally_columns() -> tuple[Any, Any, Any]:
    return (
        func.count(),
        func.coalesce(func.sum(case((Answer.correct.is_(True), 1), else_=0)), 0),
        func.count(distinct(Answer.user_id)),
    )


def _bucket(bounds: Sequence[datetime]) -> Any:
    """The index of the window [bounds[i], bounds[i+1]) an answer falls in (rows outside are filtered out)."""
    return case(*[(Answer.answered_at < end, i) for i, end in enumerate(bounds[1:])], else_=len(bounds) - 1).cast(
        Integer
    )


def topic_tallies(session: Session, scope: Scope, bounds: Sequence[datetime]) -> list[TopicTally]:
    """Per window and topic: answers, correct answers, distinct people. `bounds` are ascending naive UTC."""
    bucket = _bucket(bounds).label("bucket")
    rows = session.execute(
        select(bucket, Answer.topic, *_tally_columns())
        .where(*_where(scope), Answer.answered_at >= bounds[0], Answer.answered_at < bounds[-1])
        .group_by(bucket, Answer.topic)
    )
    return [TopicTally(int(b), t, Tally(int(n), int(c), int(p))) for b, t, n, c, p in rows]


def window_tallies(session: Session, scope: Scope, bounds: Sequence[datetime]) -> list[Tally]:
    """Per window, all topics together (distinct people are not a sum over topics)."""
    bucket = _bucket(bounds).label("bucket")
    rows = session.execute(
        select(bucket, *_tally_columns())
        .where(*_where(scope), Answer.answered_at >= bounds[0], Answer.answered_at < bounds[-1])
        .group_by(bucket)
    )
    found = {int(b): Tally(int(n), int(c), int(p)) for b, n, c, p in rows}
    return [found.get(i, Tally()) for i in range(len(bounds) - 1)]


def question_tallies(session: Session, scope: Scope, since: datetime, until: datetime) -> list[QuestionTally]:
    rows = session.execute(
        select(Answer.topic, Answer.question_id, *_tally_columns())
        .where(*_where(scope), Answer.answered_at >= since, Answer.answered_at < until)
        .group_by(Answer.topic, Answer.question_id)
    )
    return [QuestionTally(t, q, Tally(int(n), int(c), int(p))) for t, q, n, c, p in rows]


def people_ever(session: Session, scope: Scope, until: datetime) -> int:
    """Distinct people who ever answered in the scope (before `until`).

    A channel's count is a loose index scan (ix_answers_channel_people): one seek per person instead of a pass
    over every answer the channel ever had; a team's asks, per member, whether any answer exists."""
    if scope.team_pk is not None:
        answered = (
            select(Answer.id)
            .where(
                Answer.workspace_id == scope.workspace_id,
                Answer.user_id == TeamMember.user_id,
                Answer.answered_at < until,
            )
            .exists()
        )
        query = select(func.count()).where(
            TeamMember.workspace_id == scope.workspace_id, TeamMember.team_pk == scope.team_pk, answered
        )
        return int(session.scalar(query) or 0)
    sql = text(
        """
        WITH RECURSIVE people(id) AS (
            SELECT min(user_id) FROM answers
             WHERE workspace_id = :ws AND channel_id = :ch AND answered_at < :until
            UNION ALL
            SELECT (SELECT min(user_id) FROM answers
                     WHERE workspace_id = :ws AND channel_id = :ch AND user_id > people.id AND answered_at < :until)
              FROM people WHERE people.id IS NOT NULL
        )
        SELECT count(id) FROM people
        """
    ).bindparams(bindparam("until", type_=DateTime))
    return int(session.scalar(sql, {"ws": scope.workspace_id, "ch": scope.channel_id, "until": until}) or 0)


def team_pk(session: Session, workspace_id: str, name: str) -> tuple[int, str] | None:
    """The team's id and spelling, by its case-folded name, in this workspace only."""
    row = session.execute(
        select(Team.id, Team.name).where(Team.workspace_id == workspace_id, Team.name_key == name.casefold())
    ).first()
    return (row[0], row[1]) if row else None


# -- weekly sends ---------------------------------------------------------------------------------------------


def insight_channels(session: Session) -> list[tuple[str, str, str]]:
    """(workspace, channel, time zone) of every channel whose schedule asks for the weekly insights post."""
    rows = session.execute(
        select(QuizChannel.workspace_id, QuizChannel.channel_id, QuizChannel.tz)
        .where(QuizChannel.insights.is_(True))
        .order_by(QuizChannel.channel_id)
    )
    return [(w, c, tz) for w, c, tz in rows]


def set_channel_insights(session: Session, channel_id: str, on: bool) -> bool:
    return bool(
        session.execute(update(QuizChannel).where(QuizChannel.channel_id == channel_id).values(insights=on)).rowcount
    )


def quiz_out_since(session: Session, channel_id: str, day: date) -> bool:
    """True when the channel has a quiz post on or after `day` that Slack confirmed (the week's summary goes
    out with the week's first one)."""
    found = session.scalar(
        select(QuizPost.id)
        .where(QuizPost.channel_id == channel_id, QuizPost.local_date >= day, QuizPost.message_ts.is_not(None))
        .limit(1)
    )
    return found is not None


def claim_send(
    session: Session, workspace_id: str, target: str, user_id: str | None, week: date, now: datetime
) -> bool:
    """Claim this week's send to `target`; False when someone already did (the unique key decides)."""
    stored = session.scalar(
        upsert_insert(session, InsightPost)
        .values(workspace_id=workspace_id, target=target, user_id=user_id, week_start=week, claimed_at=now)
        .on_conflict_do_nothing()
        .returning(InsightPost.id)
    )
    return stored is not None


def _post_record(row: InsightPost) -> InsightPostRecord:
    return InsightPostRecord(
        row.id,
        row.workspace_id,
        row.target,
        row.user_id,
        row.week_start,
        row.attempted_at,
        row.message_ts,
        row.chart_file_id,
    )


def sends_owed(session: Session, attempted_before: datetime) -> list[InsightPostRecord]:
    """Claimed sends not finished: never tried, or tried before `attempted_before` (the answer was lost)."""
    rows = session.scalars(
        select(InsightPost)
        .where(
            InsightPost.finished_at.is_(None),
            InsightPost.attempted_at.is_(None) | (InsightPost.attempted_at < attempted_before),
        )
        .order_by(InsightPost.id)
    )
    return [_post_record(row) for row in rows]


def take_send(session: Session, post_id: int, seen_attempt: datetime | None, now: datetime) -> bool:
    """Compare-and-set lease on sending (or looking for) one insights post."""
    attempt = InsightPost.attempted_at
    return bool(
        session.execute(
            update(InsightPost)
            .where(
                InsightPost.id == post_id,
                InsightPost.finished_at.is_(None),
                attempt.is_(None) if seen_attempt is None else attempt == seen_attempt,
            )
            .values(attempted_at=now)
        ).rowcount
    )


def finish_send(session: Session, post_id: int, now: datetime, message_ts: str | None) -> None:
    session.execute(update(InsightPost).where(InsightPost.id == post_id).values(finished_at=now, message_ts=message_ts))


def record_chart(session: Session, post_id: int, file_id: str) -> None:
    session.execute(update(InsightPost).where(InsightPost.id == post_id).values(chart_file_id=file_id))


# -- DM subscriptions -----------------------------------------------------------------------------------------


def subscribe(
    session: Session, workspace_id: str, user_id: str, channel_id: str | None, team_name: str | None, at: datetime
) -> None:
    values = {"channel_id": channel_id, "team_name": team_name, "created_at": at}
    session.execute(
        upsert_insert(session, InsightSubscription)
        .values(workspace_id=workspace_id, user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["workspace_id", "user_id"], set_=values)
    )


def unsubscribe(session: Session, workspace_id: str, user_id: str) -> bool:
    row = session.get(InsightSubscription, (workspace_id, user_id))
    if row is None:
        return False
    session.delete(row)
    return True


def subscriptions(
    session: Session, workspace_id: str | None = None, user_id: str | None = None
) -> list[SubscriptionRecord]:
    query = select(InsightSubscription).order_by(InsightSubscription.workspace_id, InsightSubscription.user_id)
    if workspace_id is not None:
        query = query.where(InsightSubscription.workspace_id == workspace_id)
    if user_id is not None:
        query = query.where(InsightSubscription.user_id == user_id)
    return [
        SubscriptionRecord(r.workspace_id, r.user_id, r.channel_id, r.team_name, r.created_at)
        for r in session.scalars(query)
    ]


def channel_tz(session: Session, channel_id: str | None) -> str | None:
    if channel_id is None:
        return None
    return session.scalar(select(QuizChannel.tz).where(QuizChannel.channel_id == channel_id))
