"""The matcher on the sealed set: questions written from the seed articles and the topic titles only, committed
before any tuning, and never read while tuning. Only aggregate figures are printed (overall and per style),
never a question or an individual miss; nothing in the word lists or the bank may be changed because of it.
"""

from __future__ import annotations

from collections import defaultdict

from bot.tutor.matcher import build_matcher
from content.loader import load_bank
from tests.bot.tutor.evaluation import figures, load

TOP1_TARGET = 0.95
REJECTION_TARGET = 0.90
WRONG_LIMIT = 0.02


def test_sealed_set_figures():
    sealed = load("sealed_questions.yaml")
    matcher = build_matcher(load_bank().topics)
    by_style: dict[str, list[dict]] = defaultdict(list)
    for entry in sealed:
        by_style[str(entry.get("style"))].append(entry)
    overall = figures(matcher.match, sealed)
    print(f"\nsealed overall: {overall.line()}")
    for style in sorted(by_style):
        print(f"sealed style {style:>14}: {figures(matcher.match, by_style[style]).line()}")
    assert overall.top1 >= TOP1_TARGET
    assert overall.rejection >= REJECTION_TARGET
    assert overall.wrong <= WRONG_LIMIT
