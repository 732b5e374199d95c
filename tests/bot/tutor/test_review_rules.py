"""The pure review rules: ratings, FSRS intervals, the person's local day."""

from __future__ import annotations

from datetime import date, datetime, time

from fsrs import Rating

from bot.tutor import review_rules
from bot.tutor.command_parser import parse_command
from bot.tutor.review_rules import review


def test_ratings():
    assert review_rules.rating(False, 0.0) == Rating.Again
    assert review_rules.rating(False, 0.5) == Rating.Hard  # a multi-select with partial credit
    assert review_rules.rating(True, 1.0) == Rating.Good


def test_intervals_grow_with_each_right_answer_and_a_miss_comes_back_next_day():
    at = datetime(2026, 3, 2, 10, 0)
    memory = review(None, Rating.Again, at)
    assert memory.due - at == (datetime(2026, 3, 3, 10) - at) and memory.lapses == 1
    gaps = []
    for _ in range(4):
        at = memory.due
        memory = review(memory, Rating.Good, at)
        gaps.append((memory.due - at).days)
    assert gaps == sorted(set(gaps)) and gaps[0] >= 1, gaps
    assert memory.reviews == 5 and memory.due.tzinfo is None


def test_hard_comes_back_sooner_than_good():
    at = datetime(2026, 3, 2, 10, 0)
    assert review(None, Rating.Hard, at).due < review(None, Rating.Good, at).due


def test_local_day_and_zone_fallback():
    ny = review_rules.zone("America/New_York")
    assert review_rules.zone(None).key == "UTC" and review_rules.zone("Moon/Base").key == "UTC"
    # 12:29 UTC is 07:29 in New York: a 07:30 review is not due yet; a minute later it is.
    assert review_rules.review_day(datetime(2026, 3, 3, 12, 29), time(7, 30), ny) is None
    assert review_rules.review_day(datetime(2026, 3, 3, 12, 31), time(7, 30), ny) == date(2026, 3, 3)
    assert review_rules.day_end(date(2026, 3, 3), ny) == datetime(2026, 3, 4, 5, 0)


def test_next_review_date():
    now = datetime(2026, 3, 2, 8, 0)
    utc = review_rules.zone("UTC")
    assert review_rules.next_review(now, utc, None, False) is None
    assert review_rules.next_review(now, utc, datetime(2026, 3, 1), False) == date(2026, 3, 2)
    assert review_rules.next_review(now, utc, datetime(2026, 3, 1), True) == date(2026, 3, 3)
    assert review_rules.next_review(now, utc, datetime(2026, 3, 9, 23), False) == date(2026, 3, 9)


def test_a_review_time_passed_today_but_unclaimed_still_means_today():
    """The next tick sends today's DM (it is due until local midnight), so the status must not say tomorrow."""
    now, utc = datetime(2026, 3, 2, 10, 0), review_rules.zone("UTC")  # the review time, 09:00, has passed
    assert review_rules.next_review(now, utc, datetime(2026, 3, 1), False) == date(2026, 3, 2)
    assert review_rules.next_review(now, utc, datetime(2026, 3, 2, 23, 0), False) == date(2026, 3, 2)
    assert review_rules.next_review(now, utc, datetime(2026, 3, 1), True) == date(2026, 3, 3)
    ny = review_rules.zone("America/New_York")  # 23:30 in New York on Mar 2, already Mar 3 in UTC
    assert review_rules.next_review(datetime(2026, 3, 3, 4, 30), ny, datetime(2026, 3, 1), False) == date(2026, 3, 2)


def test_review_commands_parse():
    assert parse_command("review").args == ("status",)
    assert parse_command("review on").args == ("on",)
    assert parse_command("review ON 07:30").args == ("on", "07:30")
    assert parse_command("review off").args == ("off",)
    assert parse_command("review off now").name == "usage"
    assert parse_command("review of model evaluation").name == "ask"  # a question, not a command
