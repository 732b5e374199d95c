"""Quiz rules: grading, choosing the next question, choosing a practice question. Pure."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class QuestionLike(Protocol):
    id: str
    topic: str
    kind: str
    difficulty: int
    options: Sequence[object]

    @property
    def correct_indexes(self) -> frozenset[int]: ...


@dataclass(frozen=True)
class Grade:
    credit: float  # 0..1
    correct: bool  # exactly the right options


def grade(correct: frozenset[int], option_count: int, chosen: frozenset[int], partial: bool) -> Grade:
    """All right options and nothing else is correct. Multi-select (`partial`) earns partial credit: the share of right
    options found minus the share of wrong options ticked, never below zero. Ticking every box finds all
    right options but also every wrong one, so it earns exactly zero."""
    if chosen == correct:
        return Grade(1.0, True)
    wrong = option_count - len(correct)
    hits, misses = len(chosen & correct), len(chosen - correct)
    if not partial or wrong == 0:
        return Grade(0.0, False)
    return Grade(max(0.0, hits / len(correct) - misses / wrong), False)


def choice_problem(question: QuestionLike, chosen: frozenset[int]) -> str | None:
    """Why a choice cannot be graded, in words for the person; None when it can."""
    if not chosen:
        return "Tick at least one box before you press Submit."
    if any(not 0 <= i < len(question.options) for i in chosen):
        return "That option is not part of this question."
    if question.kind != "multi" and len(chosen) != 1:
        return "Pick exactly one option."
    return None


def grade_question(question: QuestionLike, chosen: frozenset[int]) -> Grade:
    return grade(question.correct_indexes, len(question.options), chosen, question.kind == "multi")


def _spread(key: str) -> int:
    """A stable pseudo-random order (hash), so each channel and day sees a different but repeatable pick."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def next_question(
    questions: Sequence[QuestionLike],
    times_used: Mapping[str, int],
    recent_difficulties: Sequence[int],
    seed: str,
    observed: Mapping[str, int] | None = None,
) -> QuestionLike:
    """Least-used questions first (so nothing repeats until the bank is exhausted), then the difficulty seen
    least in the recent posts (so difficulty is mixed), then a stable shuffle. A question's difficulty is its
    `observed` one where given (enough answers to know it), else the declared one; `recent_difficulties`
    should be reckoned the same way."""
    if not questions:
        raise ValueError("the quiz bank is empty")
    fewest = min(times_used.get(q.id, 0) for q in questions)
    fresh = [q for q in questions if times_used.get(q.id, 0) == fewest]
    seen = Counter(recent_difficulties)
    level = observed or {}
    return min(fresh, key=lambda q: (seen[level.get(q.id, q.difficulty)], _spread(f"{seed}:{q.id}")))


def weakest_topic(wrong_by_topic: Mapping[str, int], right_by_topic: Mapping[str, int]) -> str | None:
    """The topic a person gets wrong most (ties: the worse accuracy), or None before any wrong answer."""
    ranked = weakest_topics(wrong_by_topic, right_by_topic)
    return ranked[0] if ranked else None


def weakest_topics(wrong_by_topic: Mapping[str, int], right_by_topic: Mapping[str, int]) -> list[str]:
    """Every topic a person has got wrong, the one they miss most first (ties: the worse accuracy)."""
    candidates = [t for t, n in wrong_by_topic.items() if n > 0]
    return sorted(candidates, key=lambda t: (wrong_by_topic[t], -right_by_topic.get(t, 0), t), reverse=True)


def practice_question(
    questions: Sequence[QuestionLike],
    topic: str | None,
    answered_recently: Iterable[str],
    seed: str,
    withheld: Iterable[str] = (),
) -> QuestionLike:
    """A question from `topic` (any topic when None), avoiding recent ones; never a `withheld` one (a question
    open as a daily quiz right now, whose answer practice would give away)."""
    hidden = set(withheld)
    allowed = [q for q in questions if q.id not in hidden]
    if not allowed:
        raise ValueError("every question of the bank is withheld")
    pool = [q for q in allowed if topic is None or q.topic == topic] or allowed
    recent = set(answered_recently)
    fresh = [q for q in pool if q.id not in recent] or pool
    return min(fresh, key=lambda q: _spread(f"{seed}:{q.id}"))
