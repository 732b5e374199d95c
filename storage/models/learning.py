"""The tables of learning that sticks: personal review cards and days, team insights' subscriptions and posts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base


class InsightSubscription(Base):
    """A person who asked for the weekly insights by DM, and whose figures: a channel's people or a team's."""

    __tablename__ = "insight_subscriptions"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class InsightPost(Base):
    """One weekly insights send, to a channel or to a person's DM, claimed before sending: the unique
    (workspace, target, week) key lets one sender win, as the daily quiz's claim does."""

    __tablename__ = "insight_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(32))  # the channel id, or the person's user id for a DM
    user_id: Mapped[str | None] = mapped_column(String(32))  # the DM's person (so forget-user removes it)
    week_start: Mapped[date] = mapped_column(Date)
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime)  # a send began then (a lease)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)  # out, or owed no more
    chart_file_id: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (UniqueConstraint("workspace_id", "target", "week_start", name="uq_insight_post_per_week"),)


class ReviewSetting(Base):
    """A person's consent to personal reviews and when they want them (their own wall clock)."""

    __tablename__ = "review_settings"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    review_time: Mapped[str] = mapped_column(String(5))  # HH:MM in `tz`
    tz: Mapped[str | None] = mapped_column(String(64))  # from users.info; None until known (UTC meanwhile)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    stopped_reason: Mapped[str | None] = mapped_column(String(64))  # why the app switched them off (a DM failed)
    __table_args__ = (Index("ix_review_settings_enabled", "enabled"),)


class ReviewCard(Base):
    """One question's memory state for one person, as FSRS keeps it; `due` is when it should come back."""

    __tablename__ = "review_cards"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    state: Mapped[int] = mapped_column(Integer)  # FSRS: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(DateTime)
    last_review: Mapped[datetime | None] = mapped_column(DateTime)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)  # times rated Again
    # post-reviews reads each person's oldest due cards: a range scan of this index, never the table.
    __table_args__ = (Index("ix_review_cards_due", "workspace_id", "user_id", "due", "question_id"),)


class ReviewDay(Base):
    """The claim on a person's review DM for one local day: the unique key makes it once, whoever runs it."""

    __tablename__ = "review_days"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    question_ids: Mapped[str] = mapped_column(String(200))  # "q1,q2,q3"; empty: nothing was due that day
    outcome: Mapped[str] = mapped_column(String(64))  # nothing_due | sending | sent | unsure | refused: ERROR
    channel_id: Mapped[str | None] = mapped_column(String(32))  # the DM channel from conversations.open
    message_ts: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", "local_date", name="uq_review_per_person_day"),
        Index("ix_review_days_date", "local_date"),
    )
