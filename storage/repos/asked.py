"""Questions people asked (the raw material of `content gaps`) and their helpful votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import AskedQuestion, HelpfulVote
from storage.records import Gap, TopicFeedback
from storage.repos import upsert_insert

MAX_STORED_QUESTION = 4000


def record_question(
    session: Session,
    *,
    workspace_id: str,
    user_id: str,
    channel_id: str | None,
    surface: str,
    text: str,
    thread_ts: str | None = None,
    topic: str | None,
    confidence: float,
    band: str,
    at: datetime,
) -> None:
    session.add(
        AskedQuestion(
            workspace_id=workspace_id,
            user_id=user_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            surface=surface,
            text=text[:MAX_STORED_QUESTION],
            topic=topic,
            confidence=confidence,
            band=band,
            asked_at=at,
        )
    )


def conversation_topic(
    session: Session, workspace_id: str, channel_id: str, thread_ts: str | None, since: datetime
) -> str | None:
    """The topic the tutor last answered in a conversation (a DM, or a thread) since `since`, if any."""
    thread = AskedQuestion.thread_ts.is_(None) if thread_ts is None else AskedQuestion.thread_ts == thread_ts
    return session.scalar(
        select(AskedQuestion.topic)
        .where(
            AskedQuestion.workspace_id == workspace_id,
            AskedQuestion.channel_id == channel_id,
            thread,
            AskedQuestion.asked_at >= since,
            AskedQuestion.band == "answer",
            AskedQuestion.topic.is_not(None),
        )
        .order_by(AskedQuestion.asked_at.desc(), AskedQuestion.id.desc())
        .limit(1)
    )


def record_vote(session: Session, *, workspace_id: str, user_id: str, topic: str, helpful: bool, at: datetime) -> None:
    """One vote per person and topic; voting again changes it. An upsert: a double click is one vote."""
    session.execute(
        upsert_insert(session, HelpfulVote)
        .values(workspace_id=workspace_id, user_id=user_id, topic=topic, helpful=helpful, voted_at=at)
        .on_conflict_do_update(
            index_elements=["workspace_id", "user_id", "topic"], set_={"helpful": helpful, "voted_at": at}
        )
    )


def gaps(session: Session, limit: int = 20) -> list[Gap]:
    """The most frequent questions the tutor could not answer confidently, most asked first."""
    key = func.lower(func.trim(AskedQuestion.text))
    rows = session.execute(
        select(key, func.count(), func.max(AskedQuestion.confidence))
        .where(AskedQuestion.band != "answer")
        .group_by(key)
        .order_by(func.count().desc(), key)
        .limit(limit)
    )
    return [Gap(text, times, conf) for text, times, conf in rows]


def least_helpful(session: Session, limit: int = 10) -> list[TopicFeedback]:
    helpful = func.sum(case((HelpfulVote.helpful, 1), else_=0))
    unhelpful = func.sum(case((HelpfulVote.helpful, 0), else_=1))
    rows = session.execute(
        select(HelpfulVote.topic, helpful, unhelpful)
        .group_by(HelpfulVote.topic)
        .having(unhelpful > 0)
        .order_by((unhelpful * 1.0 / func.count()).desc(), HelpfulVote.topic)
        .limit(limit)
    )
    return [TopicFeedback(topic, int(h), int(u)) for topic, h, u in rows]
