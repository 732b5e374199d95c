"""Item analysis for quiz authors: how each posted question behaves once people answer it. Pure.

Only daily answers are analysed: practice answers come from a different population (people drilling their
weakest topic, again and again, after seeing explanations), so mixing them in would blur both.

Per question:
- share right: the share of answers that were exactly right (`correct`); its mean credit counts multi-select
  partial credit too.
- observed difficulty: share right mapped onto the bank's 1-3 scale (`observed_level`).
- discrimination: the corrected item-total correlation, i.e. the point-biserial correlation between being
  right on this question (0/1) and the answerer's rest score, their mean credit on their daily answers to every
  OTHER question. Corrected, so a question never correlates with itself; a mean rather than a sum, because
  people answer different numbers of quiz days. Positive: people who do well overall get it right more often.
- option picks: how many answers ticked each option (multi-select answers tick several, so shares of a
  multi-select question add up to more than 100%).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

# Observed difficulty from the share right: easy at 70% or more, hard below 40%, medium in between.
EASY_FROM = 0.70
HARD_BELOW = 0.40
# Flags.
TOO_EASY_ABOVE = 0.90  # share right above this
TOO_HARD_BELOW = 0.20  # share right below this
NEGATIVE_DISCRIMINATION_BELOW = 0.0  # discrimination below this
UNPICKED_FROM_ANSWERS = 20  # an option nobody picked is flagged from this many answers on
MISMATCH_LEVELS = 2  # declared and observed difficulty this many levels apart (or more)
# Fewer answers than this say too little: no observed difficulty, no discrimination, no share-based flag.
MIN_ANSWERS_TO_JUDGE = 10
# The daily picker trusts observed difficulty over the declared one from this many daily answers on.
PICKER_MIN_ANSWERS = 30

TOO_EASY, TOO_HARD = "too-easy", "too-hard"
NEGATIVE_DISCRIMINATION = "negative-discrimination"
UNPICKED_OPTION = "unpicked-option"
DIFFICULTY_MISMATCH = "difficulty-mismatch"


class AnswerLike(Protocol):
    """One daily answer: who answered which question, what they ticked, and how it was graded."""

    @property
    def question_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def choice(self) -> frozenset[int]: ...
    @property
    def credit(self) -> float: ...
    @property
    def correct(self) -> bool: ...


@dataclass(frozen=True)
class ItemSpec:
    """What the bank says about a question. `option_count` None: unknown (a question retired from the bank)."""

    question_id: str
    topic: str
    kind: str
    difficulty: int  # declared, 1-3
    option_count: int | None


@dataclass(frozen=True)
class ItemStats:
    spec: ItemSpec
    posted: int  # daily posts of the question that reached Slack
    answers: int  # daily answers
    right: int  # answers exactly right
    credit: float  # summed credit (partial credit included)
    discrimination: float | None  # corrected point-biserial; None when it cannot be judged
    discrimination_n: int  # answers whose answerer also answered other questions (the correlation's sample)
    picks: tuple[int, ...]  # answers that ticked option 0, 1, ...
    observed: int | None  # observed difficulty 1-3; None below MIN_ANSWERS_TO_JUDGE answers
    flags: tuple[str, ...]

    @property
    def question_id(self) -> str:
        return self.spec.question_id

    @property
    def share_right(self) -> float | None:
        return self.right / self.answers if self.answers else None

    @property
    def mean_credit(self) -> float | None:
        return self.credit / self.answers if self.answers else None

    @property
    def pick_shares(self) -> tuple[float, ...]:
        return tuple(n / self.answers if self.answers else 0.0 for n in self.picks)


def observed_level(share_right: float) -> int:
    """1 (easy) from EASY_FROM right, 3 (hard) below HARD_BELOW, else 2."""
    if share_right >= EASY_FROM:
        return 1
    if share_right < HARD_BELOW:
        return 3
    return 2


def observed_levels(counts: Mapping[str, tuple[int, int]], min_answers: int = PICKER_MIN_ANSWERS) -> dict[str, int]:
    """Observed difficulty of every question with at least `min_answers` answers, from (answers, right) counts."""
    return {qid: observed_level(right / n) for qid, (n, right) in counts.items() if n >= min_answers and n > 0}


def point_biserial(right: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Pearson's correlation of a 0/1 variable with a score (the point-biserial); None without variance in
    either. Equal to (M1 - M0) / s * sqrt(p * q), with s the score's standard deviation over all n."""
    n = len(right)
    if n != len(scores):
        raise ValueError("one score per answer")
    if n == 0:
        return None
    xs = [1.0 if r else 0.0 for r in right]
    mx, my = sum(xs) / n, sum(scores) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in scores)
    if sxx == 0 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, scores, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def flags_of(stats: ItemStats) -> tuple[str, ...]:
    flags = []
    share = stats.share_right
    if share is not None and stats.answers >= MIN_ANSWERS_TO_JUDGE:
        if share > TOO_EASY_ABOVE:
            flags.append(TOO_EASY)
        if share < TOO_HARD_BELOW:
            flags.append(TOO_HARD)
    if stats.discrimination is not None and stats.discrimination < NEGATIVE_DISCRIMINATION_BELOW:
        flags.append(NEGATIVE_DISCRIMINATION)
    if stats.spec.option_count is not None and stats.answers >= UNPICKED_FROM_ANSWERS and 0 in stats.picks:
        flags.append(UNPICKED_OPTION)
    declared = stats.spec.difficulty
    if stats.observed is not None and declared in (1, 2, 3) and abs(stats.observed - declared) >= MISMATCH_LEVELS:
        flags.append(DIFFICULTY_MISMATCH)
    return tuple(flags)


def analyse(specs: Mapping[str, ItemSpec], posted: Mapping[str, int], answers: Iterable[AnswerLike]) -> list[ItemStats]:
    """Statistics for every question that was posted or answered, in `specs` order, then the rest by id.

    `answers` must be daily answers only. A question posted but missing from `specs` gets a bare spec
    (topic and kind "?", declared difficulty 0: unknown, so never compared with the observed one)."""
    by_item: dict[str, list[AnswerLike]] = defaultdict(list)
    user_sum: dict[str, float] = defaultdict(float)
    user_n: dict[str, int] = defaultdict(int)
    for a in answers:
        by_item[a.question_id].append(a)
        user_sum[a.user_id] += a.credit
        user_n[a.user_id] += 1

    ids = [q for q in specs if q in by_item or posted.get(q)]
    ids += sorted((set(by_item) | {q for q, n in posted.items() if n}) - set(specs))
    result = []
    for qid in ids:
        spec = specs.get(qid) or ItemSpec(qid, "?", "?", 0, None)
        mine = by_item.get(qid, [])
        # The rest score leaves out every answer to this question, so the item never correlates with itself.
        item_sum: dict[str, float] = defaultdict(float)
        item_n: dict[str, int] = defaultdict(int)
        for a in mine:
            item_sum[a.user_id] += a.credit
            item_n[a.user_id] += 1
        pairs = [
            (a.correct, (user_sum[a.user_id] - item_sum[a.user_id]) / (user_n[a.user_id] - item_n[a.user_id]))
            for a in mine
            if user_n[a.user_id] > item_n[a.user_id]
        ]
        discrimination = None
        if len(pairs) >= MIN_ANSWERS_TO_JUDGE:
            discrimination = point_biserial([r for r, _ in pairs], [s for _, s in pairs])
        width = spec.option_count
        if width is None:  # retired from the bank: the options anybody ticked
            width = 1 + max((i for a in mine for i in a.choice), default=-1)
        picks = [0] * width
        for a in mine:
            for i in a.choice:
                if 0 <= i < width:
                    picks[i] += 1
        right = sum(1 for a in mine if a.correct)
        stats = ItemStats(
            spec=spec,
            posted=posted.get(qid, 0),
            answers=len(mine),
            right=right,
            credit=sum(a.credit for a in mine),
            discrimination=discrimination,
            discrimination_n=len(pairs),
            picks=tuple(picks),
            observed=observed_level(right / len(mine)) if len(mine) >= MIN_ANSWERS_TO_JUDGE else None,
            flags=(),
        )
        result.append(replace(stats, flags=flags_of(stats)))
    return result


def flagged_first(items: Iterable[ItemStats]) -> list[ItemStats]:
    """Questions with flags first (most flags first), then by topic and id."""
    return sorted(items, key=lambda s: (-len(s.flags), s.spec.topic, s.question_id))
