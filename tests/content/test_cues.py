"""The cue-only solver: it must catch a bank whose wording gives answers away, stay at chance on one whose
wording is balanced, and find the shipped bank fair (every kind within +10 points of chance)."""

from __future__ import annotations

import pytest

from content.cue_report import DEFAULT_MAX_LIFT_POINTS, KINDS
from content.cues import cue_report
from content.loader import load_bank
from content.models import Option, Question
from content.wording import absolute_count, hedged_count

# Made-up nouns of equal length, so only the style word changes an option's length.
STYLE = {"absolute": "always", "hedged": "mostly", "plain": "purple", "negated": "not"}


def question(qid: str, kind: str, prompt: str, options: list[tuple[str, bool]]) -> Question:
    if kind == "true_false":
        right = options[0][1]
        options = [("True", right), ("False", not right)]
    return Question(
        id=qid,
        topic="drift",
        idea=f"idea {qid}",
        kind=kind,  # type: ignore[arg-type]
        difficulty=1,
        prompt=prompt,
        options=[Option(text=t, correct=c, why="because") for t, c in options],
        sources=["003_6aedeafa16eeaa59"],
    )


def noun(i: int, j: int) -> str:
    return f"zq{i:03d}{'abcdefgh'[j]}"  # no stem, no stopword, never shared


def styled(style: str, i: int, j: int) -> str:
    if style == "long":
        return f"purple {noun(i, j)} with several extra trailing filler tokens"
    return f"{STYLE[style]} {noun(i, j)}"


# ------------------------------------------------------------------------------- synthetic banks
def balanced_bank() -> list[Question]:
    """Each style is right exactly as often as chance says, so no cue can tell right from wrong."""
    styles = ["absolute", "hedged", "long", "plain"]
    bank = []
    for i in range(16):  # single: the right option's style cycles through all four
        right = i % 4
        opts = [(styled(s, i, j), j == right) for j, s in enumerate(styles)]
        bank.append(question(f"s{i}", "single", f"Prompt number {i}?", opts))
    pairs = [(0, 1), (2, 3), (0, 2), (1, 3), (0, 3), (1, 2)]
    for i, pair in enumerate(pairs * 2):  # multi: every style is right in half the questions
        opts = [(styled(s, 100 + i, j), j in pair) for j, s in enumerate(styles)]
        bank.append(question(f"m{i}", "multi", f"Prompt number {i}? Select all that apply.", opts))
    tf_styles = ["absolute", "hedged", "negated", "long", "plain"]
    for i in range(20):  # true/false: each style true once and false once per pair
        style = tf_styles[i % 5]
        bank.append(question(f"t{i}", "true_false", styled(style, 200 + i, 0), [("x", (i // 5) % 2 == 0)]))
    return bank


def leaky_bank() -> list[Question]:
    """Right options hedged and long, wrong ones absolute: the wording answers everything."""
    bank = []
    for i in range(12):
        right = i % 3
        opts = [
            (f"mostly {noun(i, j)} with a few more words" if j == right else f"always {noun(i, j)}", j == right)
            for j in range(3)
        ]
        bank.append(question(f"s{i}", "single", f"Prompt {i}?", opts))
    for i in range(12):
        opts = [(f"often {noun(50 + i, j)}" if j < 2 else f"never {noun(50 + i, j)}", j < 2) for j in range(4)]
        bank.append(question(f"m{i}", "multi", f"Prompt {i}? Select all that apply.", opts))
    for i in range(12):
        statement = f"Drift can sometimes hit {noun(90 + i, 0)}" if i % 2 else f"Drift always hits {noun(90 + i, 0)}"
        bank.append(question(f"t{i}", "true_false", statement, [("x", bool(i % 2))]))
    return bank


def test_words_and_phrases_are_counted():
    assert absolute_count("It is fixed for good and no longer changes, ever") == 2
    assert absolute_count("Every model must always be checked") == 3
    assert hedged_count("Data may often shift, in general") == 3
    assert absolute_count("Data may often shift") == 0


def test_the_solver_catches_a_leaky_bank():
    report = cue_report(leaky_bank())
    print("\n".join(report.lines()))
    for kind in KINDS:
        assert report.by_kind[kind].lift_points > 10, kind
    problems = report.problems()
    assert len(problems) == 3
    assert all("questions that give themselves away most:" in p for p in problems)
    assert "s0 (" in problems[0] and "m0 (" in problems[1] and ("t0 (" in problems[2] or "t1 (" in problems[2])
    assert {qid for qid, _ in report.leaks} >= {f"s{i}" for i in range(12)}


def test_the_solver_sits_at_chance_on_a_balanced_bank():
    report = cue_report(balanced_bank())
    print("\n".join(report.lines()))
    assert set(report.by_kind) == set(KINDS)
    for kind, lift in report.by_kind.items():
        assert lift.chance == pytest.approx(0.25 if kind == "single" else 0.5)
        assert abs(lift.lift_points) < 1e-9, (kind, lift.rule)
    assert report.problems() == []


def test_the_issue_rules_are_among_the_solver_rules():
    """Issue 11's outside solver: drop absolute options, prefer hedged ones; absolute statements are false."""
    report = cue_report(leaky_bank())
    assert report.by_kind["single"].by_rule["pick the option with fewest absolute words"] == 1.0
    assert report.by_kind["multi"].by_rule["tick options with fewest absolute words"] == 1.0
    assert report.by_kind["true_false"].by_rule["false when it has absolute words"] == 0.75


def test_the_shipped_bank_gives_nothing_away():
    report = cue_report(load_bank().questions)
    print("\n" + "\n".join(report.lines()))
    print("most cue-prone questions:", ", ".join(f"{qid} ({cue})" for qid, cue in report.leaks[:5]))
    assert set(report.by_kind) == set(KINDS)
    for kind, lift in report.by_kind.items():
        assert lift.lift_points <= DEFAULT_MAX_LIFT_POINTS, report.problems()[0] if report.problems() else kind
    assert report.problems() == []
