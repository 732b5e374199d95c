"""Scoring rules, ranks, streaks, team normalisation and period boundaries."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.tutor.quiz_rules import grade
from bot.tutor.schedule_rules import period_start
from bot.tutor.scoring import (
    BASE_POINTS,
    FAST_BONUS,
    PostAttendance,
    answer_points,
    ranked,
    streak,
    team_score,
)


def test_points_weight_difficulty_and_reward_the_fastest():
    assert answer_points(1, 1.0, None) == BASE_POINTS
    assert answer_points(3, 1.0, None) == 3 * BASE_POINTS
    assert answer_points(2, 1.0, 1) == 2 * BASE_POINTS + FAST_BONUS[1]
    assert answer_points(2, 1.0, 4) == 2 * BASE_POINTS
    assert answer_points(2, 0.5, None) == BASE_POINTS  # partial credit


def test_practice_never_scores():
    assert answer_points(3, 1.0, 1, practice=True) == 0


def test_select_all_scores_zero_points():
    result = grade(frozenset({0, 2}), 5, frozenset(range(5)), partial=True)
    assert answer_points(3, result.credit, None) == 0


def test_ties_share_a_rank_and_list_in_a_stable_order():
    rows = [("ann", 30), ("bob", 50), ("cat", 30), ("dan", 10)]
    result = ranked(rows, lambda r: r[1], lambda r: (r[0],))
    assert [(rank, name) for rank, (name, _) in result] == [(1, "bob"), (2, "ann"), (2, "cat"), (4, "dan")]
    assert ranked(reversed(rows), lambda r: r[1], lambda r: (r[0],)) == result


def test_team_normalisation_beats_size_alone():
    big = team_score(total_points=20 * 30, active_members=20)  # 20 people, 30 points each
    small = team_score(total_points=4 * 40, active_members=4)  # 4 people, 40 points each
    assert small > big
    assert team_score(100, 1) == team_score(100, 3)  # a lone ace is divided as a team of three
    assert team_score(0, 0) == 0


def test_streak_counts_consecutive_answered_posts():
    posts = [PostAttendance(i, False) for i in (5, 4, 3, 2, 1)]  # newest first
    assert streak(posts, {5, 4, 3, 1}) == 3
    assert streak(posts, {4, 3}) == 0


def test_open_post_not_yet_answered_does_not_break_the_streak():
    posts = [PostAttendance(6, True), *[PostAttendance(i, False) for i in (5, 4)]]
    assert streak(posts, {5, 4}) == 2
    assert streak(posts, {6, 5, 4}) == 3


def test_period_boundaries_in_two_time_zones():
    now = datetime(2026, 3, 1, 23, 30)  # Sunday 23:30 UTC = Monday 08:30 in Tokyo, Sunday 18:30 in New York
    assert period_start(now, ZoneInfo("Asia/Tokyo"), "week") == datetime(2026, 3, 1, 15, 0)  # Mon 00:00 JST
    assert period_start(now, ZoneInfo("America/New_York"), "week") == datetime(2026, 2, 23, 5, 0)  # Mon 23 Feb EST
    month_edge = datetime(2026, 3, 1, 3, 30)  # already 1 March in Tokyo, still 28 February in New York
    assert period_start(month_edge, ZoneInfo("Asia/Tokyo"), "month") == datetime(2026, 2, 28, 15, 0)
    assert period_start(month_edge, ZoneInfo("America/New_York"), "month") == datetime(2026, 2, 1, 5, 0)
    assert period_start(now, ZoneInfo("UTC"), "all") is None


def test_week_start_across_dst_change():
    # Berlin switches to summer time on Sunday 29 March 2026; the week that follows starts Mon 30 March 00:00 CEST.
    assert period_start(datetime(2026, 4, 1, 12, 0), ZoneInfo("Europe/Berlin"), "week") == datetime(2026, 3, 29, 22)
    assert period_start(datetime(2026, 3, 27, 12, 0), ZoneInfo("Europe/Berlin"), "week") == datetime(2026, 3, 22, 23)
