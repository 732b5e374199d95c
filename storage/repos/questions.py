"""Asked questions, helpful votes and processed Slack events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import AskedQuestion, HelpfulVote, ProcessedEvent

MAX_STORED_QUESTION = 4000


def record_question(
    session: Session,
    *,
    workspace_id: str,
    user_id: str,
    channel_id: str | None,
    surface: str,
    text: str,
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
            surface=surface,
            text=text[:MAX_STORED_QUESTION],
            topic=topic,
            confidence=confidence,
            band=band,
            asked_at=at,
        )
    )


def record_vote(session: Session, *, workspace_id: str, user_id: str, topic: str, helpful: bool, at: datetime) -> None:
    vote = session.scalar(
        select(HelpfulVote).where(
            HelpfulVote.workspace_id == workspace_id, HelpfulVote.user_id == user_id, HelpfulVote.topic == topic
        )
    )
    if vote is None:
        session.add(HelpfulVote(workspace_id=workspace_id, user_id=user_id, topic=topic, helpful=helpful, voted_at=at))
    else:
        vote.helpful, vote.voted_at = helpful, at


def first_sighting(session: Session, event_id: str, workspace_id: str, at: datetime) -> bool:
    """True the first time an event id is seen; False for Slack's retries of it."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, workspace_id=workspace_id, seen_at=at))
        return True
    except IntegrityError:
        return False


def forget_events(session: Session, seen_before: datetime) -> int:
    """Slack stops retrying an event within hours; older ids need not be kept."""
    return session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < seen_before)).rowcount


@dataclass(frozen=True)
class Gap:
    text: str
    times: int
    best_confidence: float


@dataclass(frozen=True)
class TopicFeedback:
    topic: str
    helpful: int
    unhelpful: int

    @property
    def share_helpful(self) -> float:
        total = self.helpful + self.unhelpful
        return self.helpful / total if total else 0.0


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
