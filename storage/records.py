"""Plain data the repositories hand out: frozen dataclasses, never ORM objects, so nothing above storage
can lazy-load, mutate or depend on a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.insight_records import InsightPostRecord


@dataclass(frozen=True)
class ChannelRecord:
    id: int
    workspace_id: str
    channel_id: str
    post_time: str  # HH:MM on the channel's wall clock
    tz: str
    weekdays: str  # "mon,tue,wed"
    close_after_minutes: int
    weekly_summary: bool
    last_error: str | None  # why the last post failed, for `channels list`
    skipped_on: date | None  # a local date given up after a permanent Slack error


@dataclass(frozen=True)
class PostRecord:
    id: int
    workspace_id: str
    channel_id: str
    local_date: date
    question_id: str
    claimed_at: datetime
    closes_at: datetime
    message_ts: str | None
    closed_at: datetime | None
    revealed_at: datetime | None
    shown_count: int
    attempted_at: datetime | None
    attempts: int
    summary_due: bool
    summary_ts: str | None
    summary_attempted_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class AnswerRecord:
    """What an answer needs to become a row; also what reading one back gives."""

    workspace_id: str
    user_id: str
    question_id: str
    topic: str
    difficulty: int
    choice: frozenset[int]
    credit: float
    correct: bool
    answered_at: datetime
    post_id: int | None = None
    channel_id: str | None = None
    practice: bool = False
    message_ts: str | None = None
    correct_order: int | None = None


@dataclass(frozen=True)
class PostResults:
    total: int
    per_option: dict[int, int]
    fastest: list[tuple[str, float]]  # (user id, seconds after posting) of the first correct answers


@dataclass(frozen=True)
class Facts:
    """Sums of scored answers, from which the scoring rules derive points (storage never computes points)."""

    answers: int = 0
    correct: int = 0
    weighted_credit: float = 0.0  # sum of difficulty x credit
    first: int = 0  # times the first correct answer of a daily post
    second: int = 0
    third: int = 0


@dataclass(frozen=True)
class PersonFacts:
    user_id: str
    facts: Facts


@dataclass(frozen=True)
class TeamFacts:
    team_pk: int
    name: str
    active: int  # members with a scored answer in the period
    facts: Facts


@dataclass(frozen=True)
class TeamRecord:
    id: int
    name: str


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


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    workspace_id: str
    payload: str
    attempts: int


@dataclass(frozen=True)
class VoteRecord:
    topic: str
    helpful: bool
    voted_at: datetime


@dataclass(frozen=True)
class AskedRecord:
    """A question someone typed (personal data: their own words) and what the matcher made of it."""

    text: str
    surface: str
    channel_id: str | None
    topic: str | None
    confidence: float
    band: str
    asked_at: datetime


@dataclass(frozen=True)
class SuggestionRecord:
    """One person's click saying a question belongs to a topic."""

    question: str
    topic: str
    source: str
    seen_at: datetime
    accepted_at: datetime | None


@dataclass(frozen=True)
class SuggestedPair:
    """A question and a topic people picked for it, not yet accepted, with how many different people did."""

    question: str
    topic: str
    people: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class PendingEventRecord:
    """An unhandled inbox event: its payload still holds what the person wrote."""

    event_id: str
    seen_at: datetime
    payload: str


@dataclass(frozen=True)
class MembershipRecord:
    team_id: int
    team_name: str
    joined_at: datetime


@dataclass(frozen=True)
class NameRecord:
    display_name: str
    fetched_at: datetime


@dataclass(frozen=True)
class PersonData:
    """Everything stored about one person in one workspace."""

    workspace_id: str
    user_id: str
    answers: tuple[AnswerRecord, ...]
    votes: tuple[VoteRecord, ...]
    questions: tuple[AskedRecord, ...]
    pending_events: tuple[PendingEventRecord, ...]
    team: MembershipRecord | None
    name: NameRecord | None
    totals: Facts | None
    suggestions: tuple[SuggestionRecord, ...] = ()
    insights_weekly: dict[str, Any] | None = None  # the weekly insights DM they asked for: scope and since when
    reviews: ReviewData | None = None
    insight_dms: tuple[InsightPostRecord, ...] = ()  # the weekly insights DMs claimed or sent to them

    @property
    def empty(self) -> bool:
        held = (self.answers, self.votes, self.questions, self.pending_events, self.team, self.name, self.totals)
        held += (self.insights_weekly, self.insight_dms)
        review = self.reviews
        return (
            not any(held) and not self.suggestions and not (review and (review.setting or review.cards or review.days))
        )


@dataclass(frozen=True)
class WorkspacePurge:
    """What a purge removed (or, in a dry run, would remove) of one uninstalled workspace, per table."""

    workspace_id: str
    uninstalled_at: datetime
    removed: dict[str, int]


@dataclass(frozen=True)
class ReviewSettingRecord:
    workspace_id: str
    user_id: str
    enabled: bool
    review_time: str  # HH:MM on the person's wall clock
    tz: str | None  # None: not known yet (UTC is used)
    changed_at: datetime
    stopped_reason: str | None


@dataclass(frozen=True)
class ReviewCardRecord:
    workspace_id: str
    user_id: str
    question_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reviews: int
    lapses: int


@dataclass(frozen=True)
class ReviewDayRecord:
    id: int
    workspace_id: str
    user_id: str
    local_date: date
    claimed_at: datetime
    question_ids: tuple[str, ...]
    outcome: str
    channel_id: str | None
    message_ts: str | None


@dataclass(frozen=True)
class ReviewData:
    """A person's review state, for `export person`."""

    setting: ReviewSettingRecord | None
    cards: tuple[ReviewCardRecord, ...]
    days: tuple[ReviewDayRecord, ...]
