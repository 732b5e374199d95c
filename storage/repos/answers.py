"""Graded answers: stored once per person and post (or practice message), read back for feedback and results."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Answer, QuizPost
from storage.records import AnswerRecord, PostRecord, PostResults
from storage.repos import totals, upsert_insert

RECENT_ANSWERS = 20


def _choice_text(choice: frozenset[int]) -> str:
    return ",".join(str(i) for i in sorted(choice))


def _choice(text: str) -> frozenset[int]:
    return frozenset(int(i) for i in text.split(",") if i)


def _record(row: Answer) -> AnswerRecord:
    return AnswerRecord(
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        question_id=row.question_id,
        topic=row.topic,
        difficulty=row.difficulty,
        choice=_choice(row.choice),
        credit=row.credit,
        correct=row.correct,
        answered_at=row.answered_at,
        post_id=row.post_id,
        channel_id=row.channel_id,
        practice=row.practice,
        message_ts=row.message_ts,
        correct_order=row.correct_order,
    )


_COLUMNS = (
    "workspace_id",
    "user_id",
    "post_id",
    "channel_id",
    "question_id",
    "topic",
    "difficulty",
    "choice",
    "credit",
    "correct",
    "correct_order",
    "practice",
    "answered_at",
    "message_ts",
)


def _values(answer: AnswerRecord) -> dict[str, Any]:
    return {
        "workspace_id": answer.workspace_id,
        "user_id": answer.user_id,
        "post_id": answer.post_id,
        "channel_id": answer.channel_id,
        "question_id": answer.question_id,
        "topic": answer.topic,
        "difficulty": answer.difficulty,
        "choice": _choice_text(answer.choice),
        "credit": answer.credit,
        "correct": answer.correct,
        "correct_order": None,
        "practice": answer.practice,
        "answered_at": answer.answered_at,
        "message_ts": answer.message_ts,
    }


@functools.cache
def _insert_open(dialect: str) -> Any:
    """The statement add_open_answer runs, built once per database kind with bind parameters: building a
    statement costs more than running it, and this one runs with every click."""
    table = Answer.__table__
    row = select(*(bindparam(name, type_=table.c[name].type) for name in _COLUMNS)).where(
        QuizPost.id == bindparam("open_post_id"),
        QuizPost.closed_at.is_(None),
        QuizPost.closes_at > bindparam("now", type_=QuizPost.__table__.c.closes_at.type),
    )
    if dialect == "postgresql":
        row = row.with_for_update(read=True)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(Answer)
        .from_select(list(_COLUMNS), row)
        .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
        .returning(Answer.id)
    )


def add_open_answer(session: Session, answer: AnswerRecord, now: datetime) -> bool:
    """Store a daily answer only while its post is open; False if closed, or already answered by this person.

    One statement: INSERT ... SELECT from the post row WHERE it is open. On PostgreSQL the row is locked
    FOR SHARE until commit, so a concurrent close waits for this answer (and ranks it) or happens first (and
    this finds it closed); a SQLite writer holds the whole database anyway."""
    connection = session.connection()
    statement = _insert_open(connection.dialect.name)
    params = {**_values(answer), "open_post_id": answer.post_id, "now": now}
    stored = connection.execute(statement, params).scalar() is not None
    if stored:
        totals.record_answer(session, answer)
    return stored


def add_answer(session: Session, answer: AnswerRecord) -> bool:
    """Store an answer; False if this person already answered this post, or this practice message.

    The unique keys decide, in one statement: ON CONFLICT DO NOTHING inserts nothing for a double click,
    a Slack retry or a second option, with no savepoint to roll back to."""
    values = _values(answer)
    # RETURNING, not rowcount: through the ORM session psycopg reports rowcount -1 either way.
    stored = session.scalar(
        upsert_insert(session, Answer).values(**values).on_conflict_do_nothing().returning(Answer.id)
    )
    if stored is not None:
        totals.record_answer(session, answer)
    return stored is not None


# Built once: every double click reads the first answer back.
_CHOICE_OF = select(Answer.choice).where(Answer.post_id == bindparam("post_id"), Answer.user_id == bindparam("user_id"))


def first_choice(session: Session, post_id: int, user_id: str) -> frozenset[int] | None:
    """The options a person chose in their (first and only) answer to a post; None if they have not answered."""
    choice = session.connection().execute(_CHOICE_OF, {"post_id": post_id, "user_id": user_id}).scalar()
    return _choice(choice) if choice is not None else None


def answer_count(session: Session, post_id: int) -> int:
    return session.scalar(select(func.count()).where(Answer.post_id == post_id)) or 0


def results(session: Session, post: PostRecord, fastest: int = 3) -> PostResults:
    per_option: Counter[int] = Counter()
    rows = session.scalars(select(Answer).where(Answer.post_id == post.id).order_by(Answer.answered_at, Answer.id))
    total, quickest = 0, []
    for row in rows:
        total += 1
        per_option.update(_choice(row.choice))
        if row.correct and len(quickest) < fastest:
            quickest.append((row.user_id, (row.answered_at - post.claimed_at).total_seconds()))
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
        .limit(RECENT_ANSWERS)
    ).all()
    return wrong, right, list(recent)
