"""Schedule maths for the daily quiz: parsing and 'is a post due', in the channel's own time zone. Pure."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_CLOSE_AFTER = timedelta(hours=23, minutes=59)  # a post must close before the next day's one opens


class ScheduleError(ValueError):
    """A schedule setting a person typed is invalid; the message says how to write it."""


def parse_time(text: str) -> time:
    m = re.fullmatch(r"([01]?\d|2[0-3])[:.h]([0-5]\d)", text.strip())
    if not m:
        raise ScheduleError(f"{text!r} is not a time of day; write it as HH:MM in 24-hour form, e.g. 09:30")
    return time(int(m[1]), int(m[2]))


def parse_tz(name: str) -> ZoneInfo:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", name.strip()):
        raise ScheduleError(f"{name!r} is not a time zone; use an Area/City name such as Europe/Berlin")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}; use an Area/City name such as America/New_York") from None


def parse_weekdays(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'sat-mon' (wraps), 'daily' -> weekday numbers (Monday is 0)."""
    text = text.strip().lower()
    if text in ("daily", "all", "every day", "mon-sun"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise ScheduleError(f"{part!r} is not a weekday or range; write e.g. mon-fri or mon,wed,fri")
        start, end = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    if not days:
        raise ScheduleError("name at least one weekday, e.g. mon-fri")
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    return ",".join(DAYS[d] for d in sorted(days))


def parse_duration(text: str) -> timedelta:
    m = re.fullmatch(r"(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?", text.strip().lower())
    if not m or not (m[1] or m[2]):
        raise ScheduleError(f"{text!r} is not a duration; write e.g. 8h, 90m or 1h30m")
    span = timedelta(hours=int(m[1] or 0), minutes=int(m[2] or 0))
    if not timedelta(minutes=1) <= span <= MAX_CLOSE_AFTER:
        raise ScheduleError("a quiz stays open between 1 minute and 23h59m")
    return span


def to_local(now_utc: datetime, tz: ZoneInfo) -> datetime:
    """Naive UTC (as stored) to the channel's wall clock. The host's own time zone never enters."""
    return now_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)


def to_utc(local: datetime) -> datetime:
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def due_date(now_utc: datetime, post_at: time, tz: ZoneInfo, weekdays: frozenset[int]) -> date | None:
    """The local date whose quiz is due now, or None.

    Due from the post time until local midnight, so a bot that was down posts today's quiz when it comes
    back, never yesterday's. Comparing wall-clock times means a DST change moves nothing: on the night a
    02:30 post time does not exist, 03:00 is already past it; when 01:30 happens twice, the first one
    posts and the database's (channel, date) key refuses the second.
    """
    local = to_local(now_utc, tz)
    if local.weekday() in weekdays and local.time().replace(tzinfo=None) >= post_at:
        return local.date()
    return None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


PERIODS = ("week", "month", "all")


def period_start(now_utc: datetime, tz: ZoneInfo, period: str) -> datetime | None:
    """Naive UTC start of the current week (Monday 00:00) or month in `tz`; None for all time."""
    if period == "all":
        return None
    today = to_local(now_utc, tz).date()
    start = week_start(today) if period == "week" else today.replace(day=1)
    return to_utc(datetime.combine(start, time(0), tzinfo=tz))
