"""Schedule maths with a frozen clock: time zones, DST changes, and a host clock in another zone."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.tutor.schedule_rules import (
    ScheduleError,
    due_date,
    parse_duration,
    parse_time,
    parse_tz,
    parse_weekdays,
)

BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
WEEKDAYS = parse_weekdays("mon-fri")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon-sun", set(range(7))),
        ("mon,wed,fri", {0, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Tue", {1}),
        ("daily", set(range(7))),
    ],
)
def test_weekday_ranges_and_lists(text, days):
    assert parse_weekdays(text) == frozenset(days)


@pytest.mark.parametrize("bad", ["", "funday", "mon-xyz", "mon-tue-wed"])
def test_bad_weekdays_are_clear_errors(bad):
    with pytest.raises(ScheduleError, match="mon-fri"):
        parse_weekdays(bad)


@pytest.mark.parametrize("bad", ["25:00", "9", "09:60", "noon", "9:5"])
def test_bad_times_are_clear_errors(bad):
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time(bad)


def test_unknown_time_zone_is_a_clear_error():
    with pytest.raises(ScheduleError, match="unknown time zone"):
        parse_tz("Mars/Olympus_Mons")
    with pytest.raises(ScheduleError):
        parse_tz("../../etc/passwd")


def test_durations():
    assert parse_duration("8h").total_seconds() == 8 * 3600
    assert parse_duration("1h30m").total_seconds() == 5400
    with pytest.raises(ScheduleError):
        parse_duration("25h")
    with pytest.raises(ScheduleError):
        parse_duration("soon")


def test_same_instant_is_due_in_one_zone_and_not_another():
    now = datetime(2026, 3, 4, 8, 30)  # Wednesday 08:30 UTC = 09:30 Berlin, 03:30 New York, 17:30 Tokyo
    at_nine = parse_time("09:00")
    assert due_date(now, at_nine, BERLIN, WEEKDAYS) == date(2026, 3, 4)
    assert due_date(now, at_nine, NEW_YORK, WEEKDAYS) is None
    assert due_date(now, at_nine, TOKYO, WEEKDAYS) == date(2026, 3, 4)


def test_local_date_not_utc_date_decides():
    # 23:30 UTC Friday is already Saturday in Tokyo: a mon-fri channel there gets nothing.
    assert due_date(datetime(2026, 3, 6, 23, 30), parse_time("08:00"), TOKYO, WEEKDAYS) is None
    # ...and 02:00 UTC Monday is still Sunday evening in New York.
    assert due_date(datetime(2026, 3, 9, 2, 0), parse_time("08:00"), NEW_YORK, WEEKDAYS) is None


def test_missed_time_posts_today_not_yesterday():
    # Bot down from Tuesday 08:00 to Wednesday 15:00 Berlin: Wednesday's quiz is due, dated Wednesday.
    assert due_date(datetime(2026, 3, 4, 14, 0), parse_time("09:00"), BERLIN, WEEKDAYS) == date(2026, 3, 4)


def test_dst_spring_forward_does_not_move_the_post():
    days = parse_weekdays("mon-sun")
    # Berlin springs forward on 2026-03-29: 02:00 -> 03:00. A 09:00 post is still at 09:00 local (07:00 UTC).
    assert due_date(datetime(2026, 3, 29, 6, 59), parse_time("09:00"), BERLIN, days) is None
    assert due_date(datetime(2026, 3, 29, 7, 0), parse_time("09:00"), BERLIN, days) == date(2026, 3, 29)
    # A post time that does not exist that night (02:30) is due as soon as the clock passes it (03:00 local).
    assert due_date(datetime(2026, 3, 29, 0, 59), parse_time("02:30"), BERLIN, days) is None
    assert due_date(datetime(2026, 3, 29, 1, 0), parse_time("02:30"), BERLIN, days) == date(2026, 3, 29)


def test_dst_fall_back_repeated_hour_is_due_both_times_but_same_date():
    days = parse_weekdays("mon-sun")
    # Berlin falls back on 2026-10-25: 02:30 local happens at 00:30 UTC and again at 01:30 UTC.
    first, second = datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 1, 30)
    assert due_date(first, parse_time("02:30"), BERLIN, days) == date(2026, 10, 25)
    assert due_date(second, parse_time("02:30"), BERLIN, days) == date(2026, 10, 25)  # same key: one post


def test_host_clock_in_another_zone_changes_nothing(monkeypatch):
    """The app's clock is UTC whatever the host's zone; schedules then only ever see the channel's zone."""
    from datetime import UTC

    from bot.services.runtime.context import utc_now

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        real_utc = datetime.fromtimestamp(time.time(), UTC).replace(tzinfo=None)
        assert abs((datetime.now() - real_utc).total_seconds() - 14 * 3600) < 5  # the host clock did move...
        assert abs((utc_now() - real_utc).total_seconds()) < 5  # ...the app's did not
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert os.environ.get("TZ") is None
