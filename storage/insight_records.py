"""Plain data the insights repository hands out (kept apart from records.py: one job, one module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Scope:
    """Whose answers: a workspace, then either one channel's quiz answers or one team's members' answers."""

    workspace_id: str
    channel_id: str | None = None
    team_pk: int | None = None


@dataclass(frozen=True)
class Tally:
    """Answers, fully correct answers and distinct people behind them, for one cell of a table."""

    answers: int = 0
    correct: int = 0
    people: int = 0


@dataclass(frozen=True)
class TopicTally:
    bucket: int  # index of the time window, oldest first
    topic: str
    tally: Tally


@dataclass(frozen=True)
class QuestionTally:
    topic: str
    question_id: str
    tally: Tally


@dataclass(frozen=True)
class SubscriptionRecord:
    workspace_id: str
    user_id: str
    channel_id: str | None
    team_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class InsightPostRecord:
    id: int
    workspace_id: str
    target: str
    user_id: str | None
    week_start: date
    attempted_at: datetime | None
    message_ts: str | None
    chart_file_id: str | None
