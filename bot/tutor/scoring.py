"""Scoring rules: points, ranks, streaks and team normalisation. Pure functions over plain numbers.

Scores are never stored: the database keeps each answer's facts (difficulty, credit, order among correct
answers) and every total is derived from them with these rules, so changing a rule rewrites no answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

BASE_POINTS = 10  # per difficulty level of a fully right answer: 10, 20 or 30
FAST_BONUS = {1: 5, 2: 3, 3: 1}  # the first, second and third correct answers of a daily post
MIN_TEAM_DIVISOR = 3  # a team's total is shared by at least this many, so a lone ace is no team


class FactSums(Protocol):
    """Sums of scored answers' facts: what storage keeps and aggregates (it never computes points)."""

    weighted_credit: float  # sum of difficulty x credit
    first: int  # times the first correct answer of a daily post
    second: int
    third: int


def points(facts: FactSums) -> float:
    """The one points rule: difficulty-weighted credit plus the fast-answer bonuses.

    Every total (a person, a team, a period, all time) is this rule applied to summed facts; the rule is
    linear, so the points of a sum are the sum of the points."""
    bonus = FAST_BONUS[1] * facts.first + FAST_BONUS[2] * facts.second + FAST_BONUS[3] * facts.third
    return BASE_POINTS * facts.weighted_credit + bonus


@dataclass(frozen=True)
class _OneAnswer:
    weighted_credit: float
    first: int
    second: int
    third: int


def answer_points(difficulty: int, credit: float, correct_order: int | None, practice: bool = False) -> float:
    """One answer's points: the rule above applied to that answer alone. Practice never scores."""
    if practice:
        return 0.0
    order = {k: int(correct_order == k) for k in FAST_BONUS}
    return points(_OneAnswer(difficulty * credit, order[1], order[2], order[3]))


def accuracy(correct: int, answers: int) -> float:
    return correct / answers if answers else 0.0


def team_score(total_points: float, active_members: int) -> float:
    """Points per active member, with small teams divided as if they had MIN_TEAM_DIVISOR members.

    Dividing by active members (people who answered in the period) means a big team cannot win by size
    alone, and inactive members do not drag a team down; the floor stops a one-person team from winning
    just by having its one strongest player."""
    if active_members <= 0:
        return 0.0
    return total_points / max(active_members, MIN_TEAM_DIVISOR)


T = TypeVar("T")


def ranked(rows: Iterable[T], score: Callable[[T], float], tiebreak: Callable[[T], tuple]) -> list[tuple[int, T]]:
    """Standard competition ranking (1, 2, 2, 4): equal scores share a rank; `tiebreak` only fixes the order
    in which tied rows are listed, so the same data always prints the same way."""
    ordered = sorted(rows, key=lambda r: (-round(score(r), 6), tiebreak(r)))
    result: list[tuple[int, T]] = []
    for position, row in enumerate(ordered, start=1):
        if result and math.isclose(score(result[-1][1]), score(row), abs_tol=1e-6):
            result.append((result[-1][0], row))
        else:
            result.append((position, row))
    return result


@dataclass(frozen=True)
class PostAttendance:
    post_id: int
    open: bool  # still taking answers: not answering it yet breaks nothing


def streak(posts_newest_first: Sequence[PostAttendance], answered: set[int]) -> int:
    """Consecutive daily posts in a channel answered at all (right or wrong), counting back from the newest.

    Posts exist only on the channel's quiz days, so a weekend off a mon-fri channel, or a day the bot was
    down, is simply not in the list and cannot break a streak. The post still open today only adds."""
    count = 0
    for post in posts_newest_first:
        if post.post_id in answered:
            count += 1
        elif post.open and count == 0:
            continue
        else:
            break
    return count


def mastery(right: int, total: int) -> float:
    return right / total if total else 0.0


def bar(share: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "▰" * filled + "▱" * (width - filled)
