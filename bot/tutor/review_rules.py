"""Personal review rules: how an answer rates its card, and when a card comes back. Pure.

Scheduling is FSRS (the Free Spaced Repetition Scheduler, the one Anki uses) through the `fsrs` package, never
by hand. Reviews arrive at most once a day, so cards skip FSRS's minute-long learning steps and go straight
to whole-day intervals; fuzzing is off, so the same answers give the same schedule everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler, State

from bot.tutor.schedule_rules import due_date, to_local, to_utc

DEFAULT_TIME = "09:00"
CARDS_PER_DAY = 3
_SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
_EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class Memory:
    """A card's FSRS state, as stored (times naive UTC)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reviews: int = 0
    lapses: int = 0


def rating(correct: bool, credit: float) -> Rating:
    """Wrong is Again, right is Good, a multi-select with partial credit is Hard."""
    if correct:
        return Rating.Good
    return Rating.Hard if credit > 0 else Rating.Again


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def review(memory: Memory | None, grade: Rating, at: datetime) -> Memory:
    """The card after one answer at `at` (naive UTC); `memory` None: the question's first answer."""
    if memory is None:
        card = Card(card_id=1, state=State.Learning, due=_aware(at))  # an id given: Card() would sleep 1 ms for one
    else:
        card = Card(
            card_id=1,
            state=State(memory.state),
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=_aware(memory.due),
            last_review=_aware(memory.last_review) if memory.last_review else None,
        )
    after, _ = _SCHEDULER.review_card(card, grade, _aware(at))
    reviews, lapses = (memory.reviews, memory.lapses) if memory else (0, 0)
    return Memory(
        after.state.value,
        after.step,
        after.stability,
        after.difficulty,
        _naive(after.due) or at,
        _naive(after.last_review),
        reviews + 1,
        lapses + (grade == Rating.Again),
    )


def zone(name: str | None) -> ZoneInfo:
    """The person's time zone; UTC when Slack did not say, or said something unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def review_day(now: datetime, at: time, tz: ZoneInfo) -> date | None:
    """The local date whose review is due now (from the person's time until local midnight), or None."""
    return due_date(now, at, tz, _EVERY_DAY)


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """Naive UTC end of a local day: a card due any time that day is reviewed in that day's DM."""
    return to_utc(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))


def today(now: datetime, tz: ZoneInfo) -> date:
    return to_local(now, tz).date()


def next_review(now: datetime, tz: ZoneInfo, first_due: datetime | None, sent_today: bool) -> date | None:
    """The local date of the next review DM with something in it; None without cards.

    Today unless today's DM is claimed: a day is due from the person's time until local midnight, so once the
    time has passed the next tick still sends it."""
    if first_due is None:
        return None
    earliest = to_local(now, tz).date() + timedelta(days=1 if sent_today else 0)
    return max(earliest, to_local(first_due, tz).date())


@dataclass(frozen=True)
class ReviewStatus:
    """What `/tutor review` and the App Home show."""

    enabled: bool
    review_time: str
    tz: str | None
    due_today: int  # cards the next DM would hold, before the daily cap
    next_date: date | None  # the local date of the next DM with something in it
    cards: int
    stopped_reason: str | None = None  # the app switched reviews off: a DM could not be delivered
