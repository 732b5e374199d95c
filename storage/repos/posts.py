"""Daily quiz posts: claiming a channel's day, the message's fate, closing, revealing and answer counts.

A post row is claimed before its message is sent, and the claim is also the send attempt's record: until
Slack's answer gives the message its ts, the row says "a send may have happened". Such a row is never
deleted once anything could point at it; the poster resolves it by looking for the message instead."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, delete, exists, func, select, update
from sqlalchemy.orm import Session

from storage.models import Answer, QuizPost
from storage.records import PostRecord
from storage.repos import totals, upsert_insert

RECENT_POSTS = 6  # how many of a channel's latest questions the difficulty mix looks at


def _record(row: QuizPost) -> PostRecord:
    return PostRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        local_date=row.local_date,
        question_id=row.question_id,
        claimed_at=row.claimed_at,
        closes_at=row.closes_at,
        message_ts=row.message_ts,
        closed_at=row.closed_at,
        revealed_at=row.revealed_at,
        shown_count=row.shown_count,
        attempted_at=row.attempted_at,
        attempts=row.attempts,
        summary_due=row.summary_due,
        summary_ts=row.summary_ts,
        summary_attempted_at=row.summary_attempted_at,
    )


def _records(session: Session, query: Select[tuple[QuizPost]]) -> list[PostRecord]:
    return [_record(row) for row in session.scalars(query)]


def claim_post(
    session: Session,
    *,
    workspace_id: str,
    channel_id: str,
    local_date: date,
    question_id: str,
    at: datetime,
    closes_at: datetime,
    summary_due: bool = False,
) -> PostRecord | None:
    """Claim a channel's day and record the send about to start. None if another poster has the day."""
    post_id = session.scalar(
        upsert_insert(session, QuizPost)
        .values(
            workspace_id=workspace_id,
            channel_id=channel_id,
            local_date=local_date,
            question_id=question_id,
            claimed_at=at,
            closes_at=closes_at,
            shown_count=0,
            attempted_at=at,
            attempts=1,
            summary_due=summary_due,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "local_date"])
        .returning(QuizPost.id)
    )
    return get_post(session, post_id) if post_id is not None else None


_RECORD_FIELDS = tuple(f.name for f in fields(PostRecord))
# Built once: every click reads its post, and building a statement costs more than running it.
_POST_BY_ID = select(*(QuizPost.__table__.c[name] for name in _RECORD_FIELDS)).where(
    QuizPost.id == bindparam("post_id")
)


def get_post(session: Session, post_id: int) -> PostRecord | None:
    row = session.connection().execute(_POST_BY_ID, {"post_id": post_id}).first()
    return PostRecord(*row) if row else None


def post_on(session: Session, channel_id: str, local_date: date) -> PostRecord | None:
    row = session.scalar(select(QuizPost).where(QuizPost.channel_id == channel_id, QuizPost.local_date == local_date))
    return _record(row) if row else None


def workspace_post_on(session: Session, workspace_id: str, channel_id: str, local_date: date) -> PostRecord | None:
    """A channel's quiz of a day, only if this workspace runs it (what one workspace may be told about)."""
    row = session.scalar(
        select(QuizPost).where(
            QuizPost.workspace_id == workspace_id, QuizPost.channel_id == channel_id, QuizPost.local_date == local_date
        )
    )
    return _record(row) if row else None


def first_post_of_week(session: Session, channel_id: str, day: date) -> bool:
    """True when no earlier post of this channel falls in the same Monday-started week as `day`."""
    monday = day - timedelta(days=day.weekday())
    earlier = session.scalar(
        select(func.count()).where(
            QuizPost.channel_id == channel_id,
            QuizPost.local_date >= monday,
            QuizPost.local_date < day,
        )
    )
    return not earlier


def set_message(session: Session, post_id: int, message_ts: str) -> bool:
    """Record the message's ts once; a second, different ts is refused (False)."""
    return bool(
        session.execute(
            update(QuizPost).where(QuizPost.id == post_id, QuizPost.message_ts.is_(None)).values(message_ts=message_ts)
        ).rowcount
    )


def release_claim(session: Session, post_id: int) -> bool:
    """Slack said no to the send (it answered, so nothing was posted): free the day for another try.

    Only a claim with no message and no answers can go; anything else is a quiz day that happened."""
    answered = exists().where(Answer.post_id == QuizPost.id)
    return bool(
        session.execute(
            delete(QuizPost).where(QuizPost.id == post_id, QuizPost.message_ts.is_(None), ~answered)
        ).rowcount
    )


def unresolved_posts(session: Session, attempted_before: datetime) -> list[PostRecord]:
    """Claims whose send began before `attempted_before` and never got a message ts: they may be in Slack."""
    return _records(
        session,
        select(QuizPost)
        .where(QuizPost.message_ts.is_(None), QuizPost.attempted_at < attempted_before)
        .order_by(QuizPost.id),
    )


def take_retry(session: Session, post_id: int, seen_attempt: datetime | None, now: datetime) -> bool:
    """Take the right to resolve an unresolved claim (look for its message, send again): compare-and-set on
    the attempt time, so of several pollers exactly one proceeds."""
    return bool(
        session.execute(
            update(QuizPost)
            .where(QuizPost.id == post_id, QuizPost.message_ts.is_(None), QuizPost.attempted_at == seen_attempt)
            .values(attempted_at=now, attempts=QuizPost.attempts + 1)
        ).rowcount
    )


def question_usage(session: Session, channel_id: str) -> tuple[dict[str, int], list[str]]:
    """How often each question was posted in a channel, and the question ids of the latest posts (newest first)."""
    rows = session.execute(
        select(QuizPost.question_id, QuizPost.local_date)
        .where(QuizPost.channel_id == channel_id)
        .order_by(QuizPost.local_date.desc())
    ).all()
    return dict(Counter(qid for qid, _ in rows)), [qid for qid, _ in rows[:RECENT_POSTS]]


def open_question_ids(session: Session, workspace_id: str, now: datetime) -> set[str]:
    """Questions open as a daily quiz right now anywhere in the workspace (practice must not give them away)."""
    return set(
        session.scalars(
            select(QuizPost.question_id).where(
                QuizPost.workspace_id == workspace_id, QuizPost.closed_at.is_(None), QuizPost.closes_at > now
            )
        )
    )


def posts_to_close(session: Session, now: datetime) -> list[PostRecord]:
    return _records(
        session,
        select(QuizPost).where(
            QuizPost.closed_at.is_(None), QuizPost.closes_at <= now, QuizPost.message_ts.is_not(None)
        ),
    )


def mark_closed(session: Session, post_id: int, at: datetime) -> bool:
    """Close a post once and rank its correct answers; False if someone else closed it first."""
    done = session.execute(
        update(QuizPost).where(QuizPost.id == post_id, QuizPost.closed_at.is_(None)).values(closed_at=at)
    ).rowcount
    if done:
        correct = session.scalars(
            select(Answer).where(Answer.post_id == post_id, Answer.correct).order_by(Answer.answered_at, Answer.id)
        )
        for order, answer in enumerate(correct, start=1):
            answer.correct_order = order
            totals.record_order(session, answer.workspace_id, answer.user_id, order)
    return bool(done)


def posts_to_reveal(session: Session) -> list[PostRecord]:
    return _records(
        session,
        select(QuizPost).where(
            QuizPost.closed_at.is_not(None), QuizPost.revealed_at.is_(None), QuizPost.message_ts.is_not(None)
        ),
    )


def mark_revealed(session: Session, post_id: int, at: datetime | None) -> None:
    """Record the reveal (None: it needs doing again)."""
    session.execute(update(QuizPost).where(QuizPost.id == post_id).values(revealed_at=at))


def take_count_refresh(session: Session, post_id: int, count: int, now: datetime, every: timedelta) -> bool:
    """Claim the right to update a post's answer count now; at most one update per `every` per post."""
    return bool(
        session.execute(
            update(QuizPost)
            .where(
                QuizPost.id == post_id,
                QuizPost.closed_at.is_(None),
                QuizPost.message_ts.is_not(None),
                (QuizPost.shown_at.is_(None)) | (QuizPost.shown_at <= now - every),
            )
            .values(shown_at=now, shown_count=count)
        ).rowcount
    )


def posts_with_stale_count(session: Session) -> list[tuple[PostRecord, int]]:
    counts = (
        select(Answer.post_id, func.count().label("n")).where(Answer.post_id.is_not(None)).group_by(Answer.post_id)
    ).subquery()
    rows = session.execute(
        select(QuizPost, counts.c.n)
        .join(counts, counts.c.post_id == QuizPost.id)
        .where(QuizPost.closed_at.is_(None), QuizPost.message_ts.is_not(None), QuizPost.shown_count != counts.c.n)
    ).all()
    return [(_record(post), n) for post, n in rows]


def summaries_due(session: Session, attempted_before: datetime) -> list[PostRecord]:
    """Posts whose weekly summary is owed: never tried, or tried before `attempted_before` without a ts."""
    return _records(
        session,
        select(QuizPost).where(
            QuizPost.summary_due.is_(True),
            QuizPost.summary_ts.is_(None),
            QuizPost.message_ts.is_not(None),
            QuizPost.summary_attempted_at.is_(None) | (QuizPost.summary_attempted_at < attempted_before),
        ),
    )


def take_summary(session: Session, post_id: int, seen_attempt: datetime | None, now: datetime) -> bool:
    """Compare-and-set lease on sending (or looking for) a post's weekly summary."""
    attempt = QuizPost.summary_attempted_at
    return bool(
        session.execute(
            update(QuizPost)
            .where(
                QuizPost.id == post_id,
                QuizPost.summary_ts.is_(None),
                attempt.is_(None) if seen_attempt is None else attempt == seen_attempt,
            )
            .values(summary_attempted_at=now)
        ).rowcount
    )


def finish_summary(session: Session, post_id: int, summary_ts: str | None) -> None:
    """The summary is out (its ts), or owed no more (None: nothing to summarise, or given up)."""
    session.execute(update(QuizPost).where(QuizPost.id == post_id).values(summary_ts=summary_ts, summary_due=False))
