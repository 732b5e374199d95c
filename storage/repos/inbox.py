"""The event inbox: Slack events are stored before Slack gets its ack and marked handled only after the reply.

Stored first, a retry of the same event id is recognised (the primary key); handled last, an event whose
handler died (a crash, a deploy) is found again and handled by whoever polls next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent
from storage.records import InboxEvent
from storage.repos import upsert_insert


def store(session: Session, event_id: str, workspace_id: str, payload: str, at: datetime) -> bool:
    """Keep a delivered event, already claimed by the receiver; False if this event id was delivered before."""
    stored = session.scalar(
        upsert_insert(session, ProcessedEvent)
        .values(event_id=event_id, workspace_id=workspace_id, seen_at=at, payload=payload, claimed_at=at, attempts=1)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return stored is not None


def pending(session: Session, claimed_before: datetime, limit: int = 50) -> list[InboxEvent]:
    """Unhandled events whose last claim is older than `claimed_before` (their handler is gone)."""
    rows = session.execute(
        select(ProcessedEvent.event_id, ProcessedEvent.workspace_id, ProcessedEvent.payload, ProcessedEvent.attempts)
        .where(
            ProcessedEvent.handled_at.is_(None),
            ProcessedEvent.payload.is_not(None),
            ProcessedEvent.claimed_at < claimed_before,
        )
        .order_by(ProcessedEvent.seen_at)
        .limit(limit)
    )
    return [InboxEvent(e, w, p, a) for e, w, p, a in rows]


def claim(session: Session, event_id: str, claimed_before: datetime, now: datetime) -> bool:
    """Take over a stale unhandled event; of several pollers exactly one gets it."""
    return bool(
        session.execute(
            update(ProcessedEvent)
            .where(
                ProcessedEvent.event_id == event_id,
                ProcessedEvent.handled_at.is_(None),
                ProcessedEvent.claimed_at < claimed_before,
            )
            .values(claimed_at=now, attempts=ProcessedEvent.attempts + 1)
        ).rowcount
    )


def mark_handled(session: Session, event_id: str, at: datetime) -> None:
    """Done (or given up): the payload is no longer needed."""
    session.execute(
        update(ProcessedEvent).where(ProcessedEvent.event_id == event_id).values(handled_at=at, payload=None)
    )


def forget(session: Session, seen_before: datetime) -> int:
    """Slack stops retrying an event within hours; older ids need not be kept."""
    return session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < seen_before)).rowcount
