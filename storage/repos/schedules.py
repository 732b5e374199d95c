"""Which channels get the daily quiz, and when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import QuizChannel
from storage.records import ChannelRecord


def _record(row: QuizChannel) -> ChannelRecord:
    return ChannelRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        post_time=row.post_time,
        tz=row.tz,
        weekdays=row.weekdays,
        close_after_minutes=row.close_after_minutes,
        weekly_summary=row.weekly_summary,
        last_error=row.last_error,
        skipped_on=row.skipped_on,
    )


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
) -> ChannelRecord:
    """Set a channel's schedule. A channel has one schedule whoever sets it (a Slack Connect channel has one id
    in every workspace it is shared with); the workspace that set it first keeps posting it."""
    row = session.scalar(select(QuizChannel).where(QuizChannel.channel_id == channel_id))
    if row is None:
        row = QuizChannel(workspace_id=workspace_id, channel_id=channel_id, created_at=at, weekly_summary=True)
        session.add(row)
    row.post_time, row.tz, row.weekdays = post_time, tz, weekdays
    row.close_after_minutes = close_after_minutes
    row.last_error = row.skipped_on = None  # rescheduling is how people say "try again now"
    if weekly_summary is not None:
        row.weekly_summary = weekly_summary
    session.flush()
    return _record(row)


def get_channel(session: Session, channel_id: str) -> ChannelRecord | None:
    row = session.scalar(select(QuizChannel).where(QuizChannel.channel_id == channel_id))
    return _record(row) if row else None


def find_channels(session: Session, channel_id: str | None = None) -> list[ChannelRecord]:
    query = select(QuizChannel).order_by(QuizChannel.workspace_id, QuizChannel.channel_id)
    if channel_id:
        query = query.where(QuizChannel.channel_id == channel_id)
    return [_record(row) for row in session.scalars(query)]


def remove_channel(session: Session, channel_id: str) -> int:
    return session.execute(delete(QuizChannel).where(QuizChannel.channel_id == channel_id)).rowcount


def note_channel_error(session: Session, channel_pk: int, error: str | None, skipped_on: date | None) -> None:
    session.execute(
        update(QuizChannel).where(QuizChannel.id == channel_pk).values(last_error=error, skipped_on=skipped_on)
    )
