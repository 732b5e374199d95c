"""Grading and question choice: pure functions over plain data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.tutor.quiz_rules import grade, next_question, practice_question, weakest_topic


def test_single_choice_is_all_or_nothing():
    assert grade(frozenset({1}), 4, frozenset({1}), partial=False).credit == 1.0
    assert grade(frozenset({1}), 4, frozenset({2}), partial=False).credit == 0.0


def test_multi_exact_answer_is_correct():
    result = grade(frozenset({0, 1}), 4, frozenset({0, 1}), partial=True)
    assert result.correct and result.credit == 1.0


def test_multi_partial_credit_for_a_subset():
    result = grade(frozenset({0, 1}), 4, frozenset({0}), partial=True)
    assert not result.correct and result.credit == 0.5


def test_ticking_every_box_never_pays():
    for correct, n in [({0}, 3), ({0, 1}, 4), ({0, 1, 2}, 4), ({0, 1, 2, 3, 4}, 6)]:
        result = grade(frozenset(correct), n, frozenset(range(n)), partial=True)
        assert result.credit == 0.0 and not result.correct, (correct, n)


def test_wrong_picks_cost_credit_but_never_below_zero():
    assert grade(frozenset({0, 1}), 4, frozenset({0, 2}), partial=True).credit == 0.0
    assert grade(frozenset({0}), 4, frozenset({1, 2, 3}), partial=True).credit == 0.0


@dataclass(frozen=True)
class Q:
    id: str
    topic: str
    kind: str = "single"
    difficulty: int = 1

    @property
    def correct_indexes(self) -> frozenset[int]:
        return frozenset({0})


BANK = [Q(f"q{i}", f"t{i % 3}", difficulty=1 + i % 3) for i in range(9)]


def test_no_repeat_until_the_bank_is_exhausted():
    used: Counter[str] = Counter()
    recent: list[int] = []
    for day in range(len(BANK)):
        q = next_question(BANK, used, recent[-6:], f"C1:{day}")
        assert used[q.id] == 0
        used[q.id] += 1
        recent.append(q.difficulty)
    assert set(used) == {q.id for q in BANK}
    tenth = next_question(BANK, used, recent[-6:], "C1:9")  # a new round starts
    assert used[tenth.id] == 1


def test_difficulty_is_mixed():
    picks: list[int] = []
    used: Counter[str] = Counter()
    for day in range(6):
        q = next_question(BANK, used, picks[-6:], f"C:{day}")
        used[q.id] += 1
        picks.append(q.difficulty)
    assert Counter(picks) == Counter({1: 2, 2: 2, 3: 2})


def test_weakest_topic_is_the_most_missed():
    assert weakest_topic({"drift": 3, "cost": 1}, {"drift": 5}) == "drift"
    assert weakest_topic({}, {"drift": 2}) is None


def test_practice_prefers_the_topic_and_skips_recent_questions():
    q = practice_question(BANK, "t1", ["q1"], "seed")
    assert q.topic == "t1" and q.id != "q1"


def test_observed_difficulty_overrides_the_declared_one_in_the_mix():
    bank = [Q(f"m{i}", "t", difficulty=2) for i in range(4)]  # all declared medium
    observed = {"m0": 1, "m1": 3, "m2": 2}  # m3 has too few answers: it stays declared (2)
    recent = [2, 2, 1]  # the recent posts, reckoned the same way
    assert next_question(bank, {}, recent, "s", observed).id == "m1"  # the only hard one: least seen lately
    assert next_question(bank, {}, [2, 3, 3], "s", observed).id == "m0"
    # Without observed difficulties every question is medium: the stable shuffle alone decides.
    assert len({next_question(bank, {}, recent, f"s{n}").id for n in range(20)}) > 1
