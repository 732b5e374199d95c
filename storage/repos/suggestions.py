"""Topic suggestions: which topic people picked for a question ("Did you mean", or another topic after a 👎)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import AskedQuestion, TopicSuggestion
from storage.records import SuggestedPair, SuggestionRecord
from storage.repos import upsert_insert


def record(
    session: Session, *, workspace_id: str, user_id: str, question: str, topic: str, source: str, at: datetime
) -> bool:
    """One row per person, question and topic: a second click (or Slack's retry) changes nothing. True if new."""
    result = session.execute(
        upsert_insert(session, TopicSuggestion)
        .values(workspace_id=workspace_id, user_id=user_id, question=question, topic=topic, source=source, seen_at=at)
        .on_conflict_do_nothing(index_elements=["workspace_id", "user_id", "question", "topic"])
    )
    return bool(result.rowcount)


def pending(session: Session, workspace_id: str, min_people: int = 1) -> list[SuggestedPair]:
    """Pairs of one workspace not yet accepted, picked by at least `min_people` different people; most first."""
    people = func.count(func.distinct(TopicSuggestion.user_id))
    rows = session.execute(
        select(
            TopicSuggestion.question,
            TopicSuggestion.topic,
            people,
            func.min(TopicSuggestion.seen_at),
            func.max(TopicSuggestion.seen_at),
        )
        .where(TopicSuggestion.workspace_id == workspace_id, TopicSuggestion.accepted_at.is_(None))
        .group_by(TopicSuggestion.question, TopicSuggestion.topic)
        .having(people >= min_people)
        .order_by(people.desc(), TopicSuggestion.question, TopicSuggestion.topic)
    )
    return [SuggestedPair(q, t, int(n), first, last) for q, t, n, first, last in rows]


def mark_accepted(session: Session, workspace_id: str, question: str, topic: str, at: datetime) -> int:
    """Every person's row of the pair is marked, so the pair is never listed again."""
    return session.execute(
        update(TopicSuggestion)
        .where(
            TopicSuggestion.workspace_id == workspace_id,
            TopicSuggestion.question == question,
            TopicSuggestion.topic == topic,
            TopicSuggestion.accepted_at.is_(None),
        )
        .values(accepted_at=at)
    ).rowcount


def of_person(session: Session, workspace_id: str, user_id: str) -> list[SuggestionRecord]:
    rows = session.execute(
        select(
            TopicSuggestion.question,
            TopicSuggestion.topic,
            TopicSuggestion.source,
            TopicSuggestion.seen_at,
            TopicSuggestion.accepted_at,
        )
        .where(TopicSuggestion.workspace_id == workspace_id, TopicSuggestion.user_id == user_id)
        .order_by(TopicSuggestion.seen_at, TopicSuggestion.id)
    )
    return [SuggestionRecord(*row) for row in rows]


def last_answered_with(session: Session, workspace_id: str, user_id: str, topic: str, since: datetime) -> str | None:
    """The person's latest question since `since` that the tutor answered with `topic`: what a 👎 there is about."""
    return session.scalar(
        select(AskedQuestion.text)
        .where(
            AskedQuestion.workspace_id == workspace_id,
            AskedQuestion.user_id == user_id,
            AskedQuestion.topic == topic,
            AskedQuestion.band == "answer",
            AskedQuestion.asked_at >= since,
        )
        .order_by(AskedQuestion.asked_at.desc(), AskedQuestion.id.desc())
        .limit(1)
    )
