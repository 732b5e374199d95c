"""A cue-only quiz solver: it reads the wording of questions, never their subject.

If a solver that only looks at surface cues (absolute or hedged words, negations, option length, words
shared with the prompt or with the other options) answers the bank much better than chance, the bank
teaches test-taking instead of the subject. `cue_report` runs every rule on its own, in both directions
(a bank that over-corrects, say by making every right option absolute, leaks just as much), plus a
combined solver that stacks the classic test-taking habits, and reports per kind the best rule's
accuracy against chance.

How accuracy is counted:
- single: the rule narrows the options to the ones it prefers; a tie among k options that includes the
  right one earns 1/k (a fair coin among them). Chance is the mean of 1/number-of-options.
- multi: every option is one call (tick or leave); an option the rule cannot call earns 1/2. Accuracy is
  the share of option calls that are right, over all multi-select options. Chance is 50%.
- true_false: the statement is the prompt; a rule says True, False or abstains (1/2). A word cue speaks
  only when the statement has it (the issue's rule: absolute means false, hedged means true, neither is a
  coin flip); length splits at the median statement. Chance is 50%.

Pure: no I/O, no global state; the CLI and the tests print what they need.
The report's shape (per kind, the best rule's lift over chance) is in cue_report.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from content.cue_report import KINDS, CueReport, KindLift
from content.models import Question
from content.wording import absolute_count, content_words, hedged_count, negation_count

COMBINED = "combined test-taking habits"


@dataclass(frozen=True)
class _Item:
    """The cue features of one option (single, multi) or one statement (true_false)."""

    absolute: int
    hedged: int
    negation: int
    length: int
    overlap: int  # content words shared with the prompt
    convergence: int  # content words shared with the other options, summed

    def get(self, feature: str) -> float:
        if feature == "hedged_minus_absolute":
            return self.hedged - self.absolute
        return float(getattr(self, feature))


def _items(question: Question) -> list[_Item]:
    if question.kind == "true_false":
        text = question.prompt
        return [_Item(absolute_count(text), hedged_count(text), negation_count(text), len(text), 0, 0)]
    prompt = content_words(question.prompt)
    bags = [content_words(o.text) for o in question.options]
    return [
        _Item(
            absolute=absolute_count(o.text),
            hedged=hedged_count(o.text),
            negation=negation_count(o.text),
            length=len(o.text),
            overlap=len(bag & prompt),
            convergence=sum(len(bag & other) for j, other in enumerate(bags) if j != i),
        )
        for i, (o, bag) in enumerate(zip(question.options, bags, strict=True))
    ]


# A feature, the reading of it a test-taker would use, and which way round it is in the rule.
_FEATURES: dict[str, tuple[str, str, str]] = {
    # feature: (name when "high" wins, name when "low" wins, the classic test-taking direction)
    "absolute": ("most absolute words", "fewest absolute words", "low"),
    "hedged": ("most hedged words", "fewest hedged words", "high"),
    "hedged_minus_absolute": ("hedged rather than absolute", "absolute rather than hedged", "high"),
    "negation": ("most negations", "fewest negations", "low"),
    "length": ("the most characters", "the fewest characters", "high"),
    "overlap": ("most words shared with the prompt", "fewest words shared with the prompt", "high"),
    "convergence": ("most words shared with other options", "fewest words shared with other options", "high"),
}
# True/false rules read the statement alone; a count cue decides only when the statement has it.
_TF_NAMES: dict[str, tuple[str, str, str]] = {
    "absolute": ("true when it has absolute words", "false when it has absolute words", "low"),
    "hedged": ("true when it has hedged words", "false when it has hedged words", "high"),
    "hedged_minus_absolute": ("true when more hedged than absolute", "true when more absolute than hedged", "high"),
    "negation": ("true when it has a negation", "false when it has a negation", "low"),
    "length": ("true when longer than the median statement", "true when shorter than the median statement", "high"),
}
_COUNT_FEATURES = frozenset({"absolute", "hedged", "hedged_minus_absolute", "negation"})
_TF_FEATURES = ("absolute", "hedged", "hedged_minus_absolute", "negation", "length")

# "high"/"low": prefer the option(s) highest/lowest on a feature; "not_high"/"not_low" (single only):
# eliminate the highest/lowest and guess among the rest.
Direction = Literal["high", "low", "not_high", "not_low"]


# ------------------------------------------------------------------------------------------- single
def _single_credit(question: Question, items: list[_Item], feature: str, prefer: Direction) -> float:
    values = [item.get(feature) for item in items]
    extreme = max(values) if prefer in ("high", "not_high") else min(values)
    if prefer.startswith("not_") and len(set(values)) > 1:
        picked = [i for i, v in enumerate(values) if v != extreme]
    else:
        picked = [i for i, v in enumerate(values) if v == extreme]
    right = next(i for i, o in enumerate(question.options) if o.correct)
    return 1 / len(picked) if right in picked else 0.0


def _single_combined(question: Question, items: list[_Item]) -> float:
    """Eliminate like a test-wise reader: drop absolute options, keep the hedged, then the longest, then
    the one echoing the prompt; split what is left evenly."""
    left = list(range(len(items)))
    for feature, prefer in (("absolute", "low"), ("hedged", "high"), ("length", "high"), ("overlap", "high")):
        values = {i: items[i].get(feature) for i in left}
        best = max(values.values()) if prefer == "high" else min(values.values())
        left = [i for i in left if values[i] == best]
    right = next(i for i, o in enumerate(question.options) if o.correct)
    return 1 / len(left) if right in left else 0.0


# -------------------------------------------------------------------------------------------- multi
def _levels(items: list[_Item], feature: str) -> list[int]:
    """+1 where an option stands out high on a feature, -1 low, 0 where the feature says nothing."""
    values = [item.get(feature) for item in items]
    if len(set(values)) == 1:
        return [0] * len(values)
    if feature == "hedged_minus_absolute":
        return [1 if v > 0 else -1 if v < 0 else 0 for v in values]
    if feature in _COUNT_FEATURES:
        return [1 if v > 0 else -1 for v in values]
    median = statistics.median(values)
    return [1 if v > median else -1 if v < median else 0 for v in values]


def _calls_credit(question: Question, calls: list[int]) -> tuple[float, int]:
    """Credit for tick (+1) / leave (-1) / unsure (0) calls on each option; returns (credit, options)."""
    credit = 0.0
    for option, call in zip(question.options, calls, strict=True):
        if call == 0:
            credit += 0.5
        elif (call > 0) == option.correct:
            credit += 1.0
    return credit, len(calls)


def _multi_calls(items: list[_Item], feature: str, prefer: Direction) -> list[int]:
    sign = 1 if prefer == "high" else -1
    return [sign * level for level in _levels(items, feature)]


def _multi_combined(items: list[_Item]) -> list[int]:
    votes = [0] * len(items)
    for feature in ("absolute", "hedged", "negation", "length", "overlap", "convergence"):
        sign = 1 if _FEATURES[feature][2] == "high" else -1
        for i, level in enumerate(_levels(items, feature)):
            votes[i] += sign * level
    return [1 if v > 0 else -1 if v < 0 else 0 for v in votes]


# --------------------------------------------------------------------------------------- true/false
def _tf_call(item: _Item, feature: str, prefer: Direction, median_length: float) -> int:
    """+1 True, -1 False, 0 abstain."""
    value = item.get(feature)
    if feature == "length":
        level = 1 if value > median_length else -1 if value < median_length else 0
    elif feature == "hedged_minus_absolute":
        level = 1 if value > 0 else -1 if value < 0 else 0
    else:
        # A count cue speaks only when present ("absolute, so false"); a statement without it is a coin flip.
        return (1 if prefer == "high" else -1) if value > 0 else 0
    return level if prefer == "high" else -level


def _tf_combined(item: _Item, median_length: float) -> int:
    score = item.hedged - item.absolute - item.negation
    if score:
        return 1 if score > 0 else -1
    return 1 if item.length > median_length else -1 if item.length < median_length else 0


def _tf_credit(question: Question, call: int) -> float:
    if call == 0:
        return 0.5
    return 1.0 if (call > 0) == question.options[0].correct else 0.0


def _rules_for(kind: str) -> list[tuple[str, str | None, Direction | None]]:
    """(rule name, feature, direction). Feature None: a base rate (with a direction) or the combined solver."""
    features = _TF_FEATURES if kind == "true_false" else tuple(_FEATURES)
    frame = {"single": "pick the option with {}", "multi": "tick options with {}", "true_false": "{}"}[kind]
    rules: list[tuple[str, str | None, Direction | None]] = []
    for feature in features:
        high, low, _ = _FEATURES[feature] if kind != "true_false" else _TF_NAMES[feature]
        rules += [(frame.format(high), feature, "high"), (frame.format(low), feature, "low")]
        if kind == "single":
            rules += [(f"drop the option with {high}", feature, "not_high")]
            rules += [(f"drop the option with {low}", feature, "not_low")]
    if kind == "multi":
        rules += [("tick every option", None, "high"), ("tick no option", None, "low")]
    if kind == "true_false":
        rules += [("always true", None, "high"), ("always false", None, "low")]
    rules.append((COMBINED, None, None))
    return rules


def _score(kind: str, questions: Sequence[Question]) -> tuple[dict[str, float], dict[str, set[str]]]:
    """Every rule's accuracy, and per rule the questions it answers in full (no coin flips involved)."""
    items = {q.id: _items(q) for q in questions}
    median_length = statistics.median(items[q.id][0].length for q in questions) if kind == "true_false" else 0.0
    accuracy: dict[str, float] = {}
    solved: dict[str, set[str]] = {}
    for name, feature, prefer in _rules_for(kind):
        base_rate = feature is None and prefer is not None  # not a cue of any one question
        total = count = 0.0
        solved[name] = set()
        for q in questions:
            its = items[q.id]
            if kind == "single":
                if feature is None:
                    credit = _single_combined(q, its)
                else:
                    credit = _single_credit(q, its, feature, prefer or "high")
                n = 1
            elif kind == "multi":
                if feature is None:
                    calls = _multi_combined(its) if prefer is None else [1 if prefer == "high" else -1] * len(its)
                else:
                    calls = _multi_calls(its, feature, prefer or "high")
                credit, n = _calls_credit(q, calls)
            else:
                if feature is None:
                    call = _tf_combined(its[0], median_length) if prefer is None else (1 if prefer == "high" else -1)
                else:
                    call = _tf_call(its[0], feature, prefer or "high", median_length)
                credit, n = _tf_credit(q, call), 1
            total, count = total + credit, count + n
            if credit == n and not base_rate:
                solved[name].add(q.id)
        accuracy[name] = total / count if count else 0.0
    return accuracy, solved


def _chance(kind: str, questions: Sequence[Question]) -> float:
    if kind == "single":
        return statistics.fmean(1 / len(q.options) for q in questions)
    return 0.5


def cue_report(questions: Sequence[Question]) -> CueReport:
    """Run the cue-only solver over a bank and report, per kind, the best rule's lift over chance."""
    by_kind: dict[str, KindLift] = {}
    weight: dict[str, float] = {}
    cue_of: dict[str, tuple[float, str]] = {}
    kind_of: dict[str, str] = {}
    for kind in KINDS:
        of_kind = [q for q in questions if q.kind == kind]
        if not of_kind:
            continue
        chance = _chance(kind, of_kind)
        accuracy, solved = _score(kind, of_kind)
        best = max(accuracy, key=lambda name: (accuracy[name], name == COMBINED))
        by_kind[kind] = KindLift(kind, accuracy[best], chance, best, len(of_kind), dict(accuracy))
        # A question leaks through a rule only if that rule works on this bank (beats chance); the more
        # working rules solve it, and the better they work, the worse the leak.
        for name, ids in solved.items():
            lift = accuracy[name] - chance
            if lift <= 0:
                continue
            for qid in ids:
                kind_of[qid] = kind
                weight[qid] = weight.get(qid, 0.0) + lift
                if lift > cue_of.get(qid, (0.0, ""))[0]:
                    cue_of[qid] = (lift, name)
    order = sorted(weight, key=lambda qid: (-weight[qid], qid))
    leaks = [(qid, cue_of[qid][1]) for qid in order]
    return CueReport(by_kind=by_kind, leaks=leaks, leak_kinds=kind_of)
