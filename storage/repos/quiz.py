"""Quiz channels, daily posts and answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Answer, QuizChannel, QuizPost
from storage.repos import totals, upsert_insert


def upsert_channel(
    session: Session,
    *,
    workspace_id: str,
    channel_id: str,
    post_time: str,
    tz: str,
    weekdays: str,
    close_after_minutes: int,
    at: datetime,
    weekly_summary: bool | None = None,
) -> QuizChannel:
    channel = get_channel(session, workspace_id, channel_id)
    if channel is None:
        channel = QuizChannel(workspace_id=workspace_id, channel_id=channel_id, created_at=at, weekly_summary=True)
        session.add(channel)
    channel.post_time, channel.tz, channel.weekdays = post_time, tz, weekdays
    channel.close_after_minutes = close_after_minutes
    channel.last_error = channel.skipped_on = None  # rescheduling is how people say "try again now"
    if weekly_summary is not None:
        channel.weekly_summary = weekly_summary
    session.flush()
    return channel


def get_channel(session: Session, workspace_id: str, channel_id: str) -> QuizChannel | None:
    return session.scalar(
        select(QuizChannel).where(QuizChannel.workspace_id == workspace_id, QuizChannel.channel_id == channel_id)
    )


def find_channels(session: Session, channel_id: str | None = None) -> list[QuizChannel]:
    query = select(QuizChannel).order_by(QuizChannel.workspace_id, QuizChannel.channel_id)
    if channel_id:
        query = query.where(QuizChannel.channel_id == channel_id)
    return list(session.scalars(query))


def remove_channel(session: Session, channel_id: str) -> int:
    return session.execute(delete(QuizChannel).where(QuizChannel.channel_id == channel_id)).rowcount


def claim_post(
    session: Session,
    *,
    workspace_id: str,
    channel_id: str,
    local_date: date,
    question_id: str,
    at: datetime,
    closes_at: datetime,
) -> QuizPost | None:
    """Claim today's post for a channel. None if another poster (thread, process, host) already has it."""
    post = QuizPost(
        workspace_id=workspace_id,
        channel_id=channel_id,
        local_date=local_date,
        question_id=question_id,
        claimed_at=at,
        closes_at=closes_at,
        shown_count=0,
    )
    try:
        with session.begin_nested():
            session.add(post)
        return post
    except IntegrityError:
        return None


def post_exists(session: Session, workspace_id: str, channel_id: str, local_date: date) -> bool:
    return (
        session.scalar(
            select(func.count()).where(
                QuizPost.workspace_id == workspace_id,
                QuizPost.channel_id == channel_id,
                QuizPost.local_date == local_date,
            )
        )
        > 0
    )


def first_post_of_week(session: Session, workspace_id: str, channel_id: str, day: date) -> bool:
    """True when no earlier post of this channel falls in the same Monday-started week as `day`."""
    monday = day - timedelta(days=day.weekday())
    earlier = session.scalar(
        select(func.count()).where(
            QuizPost.workspace_id == workspace_id,
            QuizPost.channel_id == channel_id,
            QuizPost.local_date >= monday,
            QuizPost.local_date < day,
        )
    )
    return not earlier


def release_claim(session: Session, post_id: int) -> None:
    """Posting failed: free the day so the next run tries again."""
    session.execute(delete(QuizPost).where(QuizPost.id == post_id, QuizPost.message_ts.is_(None)))


def set_message(session: Session, post_id: int, message_ts: str) -> None:
    session.execute(update(QuizPost).where(QuizPost.id == post_id).values(message_ts=message_ts))


def get_post(session: Session, post_id: int) -> QuizPost | None:
    return session.get(QuizPost, post_id)


def question_usage(session: Session, workspace_id: str, channel_id: str) -> tuple[dict[str, int], list[int]]:
    """How often each question was posted in a channel, and the question ids of the latest posts (newest first)."""
    rows = session.execute(
        select(QuizPost.question_id, QuizPost.local_date)
        .where(QuizPost.workspace_id == workspace_id, QuizPost.channel_id == channel_id)
        .order_by(QuizPost.local_date.desc())
    ).all()
    return dict(Counter(qid for qid, _ in rows)), [qid for qid, _ in rows[:6]]


def posts_to_close(session: Session, now: datetime) -> list[QuizPost]:
    return list(
        session.scalars(
            select(QuizPost).where(
                QuizPost.closed_at.is_(None), QuizPost.closes_at <= now, QuizPost.message_ts.is_not(None)
            )
        )
    )


def posts_with_stale_count(session: Session) -> list[tuple[QuizPost, int]]:
    counts = (
        select(Answer.post_id, func.count().label("n")).where(Answer.post_id.is_not(None)).group_by(Answer.post_id)
    ).subquery()
    rows = session.execute(
        select(QuizPost, counts.c.n)
        .join(counts, counts.c.post_id == QuizPost.id)
        .where(QuizPost.closed_at.is_(None), QuizPost.message_ts.is_not(None), QuizPost.shown_count != counts.c.n)
    ).all()
    return [(post, n) for post, n in rows]


def mark_closed(session: Session, post_id: int, at: datetime) -> bool:
    """Close a post once; False if someone else closed it first."""
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


def posts_to_reveal(session: Session) -> list[QuizPost]:
    return list(
        session.scalars(
            select(QuizPost).where(
                QuizPost.closed_at.is_not(None), QuizPost.revealed_at.is_(None), QuizPost.message_ts.is_not(None)
            )
        )
    )


def mark_revealed(session: Session, post_id: int, at: datetime | None) -> None:
    """Record the reveal (None: it needs doing again)."""
    session.execute(update(QuizPost).where(QuizPost.id == post_id).values(revealed_at=at))


def note_channel_error(session: Session, channel_pk: int, error: str | None, skipped_on: date | None) -> None:
    session.execute(
        update(QuizChannel).where(QuizChannel.id == channel_pk).values(last_error=error, skipped_on=skipped_on)
    )


def take_count_refresh(session: Session, post_id: int, count: int, now: datetime, every: timedelta) -> bool:
    """Claim the right to update a post's answer count now; at most one update per `every` per post."""
    return bool(
        session.execute(
            update(QuizPost)
            .where(
                QuizPost.id == post_id,
                QuizPost.closed_at.is_(None),
                (QuizPost.shown_at.is_(None)) | (QuizPost.shown_at <= now - every),
            )
            .values(shown_at=now, shown_count=count)
        ).rowcount
    )


def add_answer(session: Session, answer: Answer) -> bool:
    """Store an answer; False if this person already answered this post (double click, retry, second option).

    The (post, user) unique key decides: ON CONFLICT DO NOTHING inserts nothing for a second answer, in one
    statement, with no savepoint to roll back to."""
    values = {c.key: getattr(answer, c.key) for c in Answer.__table__.columns if c.key != "id"}
    # RETURNING, not rowcount: through the ORM session psycopg reports rowcount -1 either way.
    stored = session.scalar(
        upsert_insert(session, Answer)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
        .returning(Answer.id)
    )
    if stored is not None:
        totals.record_answer(session, answer)
    return stored is not None


def answer_of(session: Session, post_id: int, user_id: str) -> Answer | None:
    return session.scalar(select(Answer).where(Answer.post_id == post_id, Answer.user_id == user_id))


def answer_count(session: Session, post_id: int) -> int:
    return session.scalar(select(func.count()).where(Answer.post_id == post_id)) or 0


@dataclass(frozen=True)
class PostResults:
    total: int
    per_option: dict[int, int]
    fastest: list[tuple[str, float]]  # (user id, seconds after posting) of the first correct answers


def results(session: Session, post: QuizPost, fastest: int = 3) -> PostResults:
    per_option: Counter[int] = Counter()
    answers = session.scalars(select(Answer).where(Answer.post_id == post.id).order_by(Answer.answered_at, Answer.id))
    total, quickest = 0, []
    for answer in answers:
        total += 1
        per_option.update(int(i) for i in answer.choice.split(",") if i)
        if answer.correct and len(quickest) < fastest:
            quickest.append((answer.user_id, (answer.answered_at - post.claimed_at).total_seconds()))
    return PostResults(total, dict(per_option), quickest)


def topic_record(session: Session, workspace_id: str, user_id: str) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Per topic: wrong and right answers of a person, and the question ids they answered lately."""
    rows = session.execute(
        select(Answer.topic, Answer.correct, func.count())
        .where(Answer.workspace_id == workspace_id, Answer.user_id == user_id)
        .group_by(Answer.topic, Answer.correct)
    ).all()
    wrong = {t: n for t, c, n in rows if not c}
    right = {t: n for t, c, n in rows if c}
    recent = session.scalars(
        select(Answer.question_id)
        .where(Answer.workspace_id == workspace_id, Answer.user_id == user_id)
        .order_by(Answer.answered_at.desc())
        .limit(20)
    ).all()
    return wrong, right, list(recent)


def release_stale_claims(session: Session, older_than: datetime) -> None:
    """A poster that died between claiming and posting leaves a claim with no message; free the day again."""
    session.execute(delete(QuizPost).where(QuizPost.message_ts.is_(None), QuizPost.claimed_at < older_than))
