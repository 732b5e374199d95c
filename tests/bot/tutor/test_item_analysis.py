"""Item analysis: the statistics on small cases worked out by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from bot.tutor import item_analysis as ia
from bot.tutor.item_analysis import ItemSpec, analyse, flagged_first, observed_level, observed_levels, point_biserial


@dataclass(frozen=True)
class A:
    question_id: str
    user_id: str
    choice: frozenset[int]
    credit: float
    correct: bool


def single(qid: str, user: str, pick: int, right: int = 0) -> A:
    return A(qid, user, frozenset({pick}), float(pick == right), pick == right)


def spec(qid: str, difficulty: int = 2, options: int | None = 4, kind: str = "single") -> ItemSpec:
    return ItemSpec(qid, "t", kind, difficulty, options)


def by_id(items):
    return {i.question_id: i for i in items}


def test_point_biserial_by_hand():
    # M1 = 0.8, M0 = 0.4, s = sqrt(0.05), p = q = 1/2: r = 0.4 / sqrt(0.05) * 1/2 = 2 / sqrt(5)
    assert point_biserial([True, True, False, False], [0.9, 0.7, 0.5, 0.3]) == pytest.approx(2 / math.sqrt(5))
    assert point_biserial([True, True], [0.5, 0.1]) is None  # nobody wrong: no variance
    assert point_biserial([True, False], [0.5, 0.5]) is None  # everyone scores the same


# Ten people. Their rest scores come from two other questions: U0-U3 get both wrong (0), U4-U6 one (0.5),
# U7-U9 both (1). On "q", U5-U9 are right, U0-U4 wrong (picking B).
PEOPLE = [f"U{k}" for k in range(10)]
REST = {u: (0, 0) if k < 4 else (1, 0) if k < 7 else (1, 1) for k, u in enumerate(PEOPLE)}


def others() -> list[A]:
    answers = []
    for u, (first, second) in REST.items():
        answers.append(single("o1", u, 0 if first else 1))
        answers.append(single("o2", u, 0 if second else 1))
    return answers


def test_corrected_item_total_correlation_by_hand():
    q = [single("q", u, 0 if k >= 5 else 1) for k, u in enumerate(PEOPLE)]
    stats = by_id(analyse({s: spec(s) for s in ("q", "o1", "o2")}, {"q": 1, "o1": 1, "o2": 1}, q + others()))["q"]
    # rest scores y = 0,0,0,0,.5 | .5,.5,1,1,1; M1 = .8, M0 = .1, mean .45, var .1725: r = .35 / sqrt(.1725)
    assert stats.discrimination == pytest.approx(7 / math.sqrt(69))
    assert stats.discrimination_n == 10
    # Uncorrected (the item inside its own total) would be higher: the correction is really applied.
    totals = [(REST[u][0] + REST[u][1] + (k >= 5)) / 3 for k, u in enumerate(PEOPLE)]
    assert point_biserial([k >= 5 for k in range(10)], totals) > stats.discrimination + 0.05
    assert (stats.answers, stats.right, stats.share_right, stats.mean_credit) == (10, 5, 0.5, 0.5)
    assert stats.picks == (5, 5, 0, 0) and stats.pick_shares == (0.5, 0.5, 0.0, 0.0)
    assert stats.observed == 2
    assert stats.flags == ()  # unpicked C and D, but only 10 answers


def test_negative_discrimination_is_flagged():
    q = [single("q", u, 0 if k < 5 else 1) for k, u in enumerate(PEOPLE)]  # the weaker half gets it right
    stats = by_id(analyse({s: spec(s) for s in ("q", "o1", "o2")}, {}, q + others()))["q"]
    assert stats.discrimination == pytest.approx(-7 / math.sqrt(69))
    assert stats.flags == (ia.NEGATIVE_DISCRIMINATION,)


def test_discrimination_needs_ten_answers_from_people_with_other_answers():
    q = [single("q", u, 0 if k >= 5 else 1) for k, u in enumerate(PEOPLE)]
    nine = analyse({"q": spec("q")}, {}, q[:9] + others())
    assert by_id(nine)["q"].discrimination is None and by_id(nine)["q"].discrimination_n == 9
    alone = analyse({"q": spec("q")}, {}, [*q, single("q", "U99", 0)])  # nobody answered anything else
    assert by_id(alone)["q"].discrimination is None and by_id(alone)["q"].discrimination_n == 0


def test_an_option_nobody_picked_is_flagged_from_twenty_answers():
    answers = [single("q", f"U{k}", k % 2) for k in range(20)]  # A and B only, of A-C
    assert by_id(analyse({"q": spec("q", options=3)}, {}, answers))["q"].flags == (ia.UNPICKED_OPTION,)
    assert by_id(analyse({"q": spec("q", options=3)}, {}, answers[:19]))["q"].flags == ()
    assert by_id(analyse({"q": spec("q", options=2)}, {}, answers))["q"].flags == ()


@pytest.mark.parametrize(
    ("right", "answers", "flags"),
    [
        (19, 20, (ia.TOO_EASY,)),  # 95%
        (9, 10, ()),  # exactly 90% is not "more than 90%"
        (1, 10, (ia.TOO_HARD,)),  # 10%
        (2, 10, ()),  # exactly 20%
        (1, 1, ()),  # one answer says nothing
        (0, 9, ()),
    ],
)
def test_too_easy_and_too_hard(right, answers, flags):
    data = [single("q", f"U{k}", 0 if k < right else 1) for k in range(answers)]
    assert by_id(analyse({"q": spec("q", options=2)}, {}, data))["q"].flags == flags


def test_declared_and_observed_difficulty_two_levels_apart():
    easy = [single("q", f"U{k}", 0 if k < 8 else 1 + k % 3) for k in range(10)]  # 80% right: observed 1
    assert by_id(analyse({"q": spec("q", difficulty=3)}, {}, easy))["q"].flags == (ia.DIFFICULTY_MISMATCH,)
    assert by_id(analyse({"q": spec("q", difficulty=2)}, {}, easy))["q"].flags == ()
    hard = [single("q", f"U{k}", 0 if k < 3 else 1 + k % 3) for k in range(10)]  # 30%: observed 3
    assert by_id(analyse({"q": spec("q", difficulty=1)}, {}, hard))["q"].flags == (ia.DIFFICULTY_MISMATCH,)
    assert by_id(analyse({"q": spec("q", difficulty=1)}, {}, hard[:9]))["q"].observed is None  # too few


def test_observed_level_boundaries():
    assert [observed_level(s) for s in (1.0, 0.70, 0.6999, 0.40, 0.3999, 0.0)] == [1, 1, 2, 2, 3, 3]
    counts = {"a": (30, 27), "b": (29, 29), "c": (40, 10), "d": (31, 15)}
    assert observed_levels(counts) == {"a": 1, "c": 3, "d": 2}  # "b" has too few answers


def test_multi_select_picks_and_partial_credit():
    answers = [
        A("m", "U1", frozenset({0, 1}), 1.0, True),
        A("m", "U2", frozenset({0}), 0.5, False),
        A("m", "U3", frozenset({0, 2}), 0.0, False),
    ]
    stats = analyse({"m": spec("m", options=4, kind="multi")}, {"m": 2}, answers)[0]
    assert stats.posted == 2 and stats.picks == (3, 1, 1, 0)
    assert stats.share_right == pytest.approx(1 / 3) and stats.mean_credit == pytest.approx(0.5)
    assert sum(stats.pick_shares) > 1  # several boxes per answer


def test_posted_but_unanswered_and_retired_questions():
    answers = [A("gone", "U1", frozenset({4}), 0.0, False)]
    items = by_id(analyse({"q": spec("q"), "never": spec("never")}, {"q": 3, "gone": 1}, answers))
    assert set(items) == {"q", "gone"}  # "never" was never posted
    assert items["q"].answers == 0 and items["q"].share_right is None and items["q"].flags == ()
    assert items["gone"].picks == (0, 0, 0, 0, 1)  # options known from what was ticked
    assert items["gone"].spec.difficulty == 0 and items["gone"].flags == ()


def test_flagged_questions_come_first():
    answers = [single("b", f"U{k}", 0) for k in range(20)] + [single("a", f"U{k}", k % 4) for k in range(20)]
    items = flagged_first(analyse({"a": spec("a"), "b": spec("b")}, {}, answers))
    assert [i.question_id for i in items] == ["b", "a"]
    assert items[0].flags == (ia.TOO_EASY, ia.UNPICKED_OPTION) and items[1].flags == ()
