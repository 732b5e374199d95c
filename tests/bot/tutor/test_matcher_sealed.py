"""The matcher on the sealed set: questions written from the seed articles and the topic titles only, committed
before any tuning, and never read while tuning. Only aggregate figures are printed (overall and per style),
never a question or an individual miss; nothing in the word lists or the bank may be changed because of it.
"""

from __future__ import annotations

from collections import defaultdict

from bot.tutor.reading import build_matcher, build_readers
from content.loader import load_bank
from tests.bot.tutor.evaluation import figures, load

# Issue 10's targets. Not met yet (README, "How well the tutor understands"): the test prints how far off.
TOP1_TARGET, REJECTION_TARGET, WRONG_LIMIT = 0.95, 0.90, 0.02
# What this matcher reached when the set was first run against it; falling below is a regression.
TOP1_FLOOR, REJECTION_FLOOR, WRONG_CEILING = 0.80, 0.90, 0.06


def test_sealed_set_figures_are_reported_and_do_not_regress():
    sealed = load("sealed_questions.yaml")
    matcher = build_matcher(load_bank().topics)
    by_style: dict[str, list[dict]] = defaultdict(list)
    for entry in sealed:
        by_style[str(entry.get("style"))].append(entry)
    overall = figures(matcher.match, sealed)
    print(f"\nsealed overall: {overall.line()}")
    for style in sorted(by_style):
        print(f"sealed style {style:>14}: {figures(matcher.match, by_style[style]).line()}")
    met = overall.top1 >= TOP1_TARGET and overall.rejection >= REJECTION_TARGET and overall.wrong <= WRONG_LIMIT
    print(
        f"issue 10 targets: top-1 >= {TOP1_TARGET:.0%}, rejection >= {REJECTION_TARGET:.0%}, confidently wrong"
        f" <= {WRONG_LIMIT:.0%}: {'met' if met else 'NOT MET'}"
    )
    assert overall.top1 >= TOP1_FLOOR
    assert overall.rejection >= REJECTION_FLOOR
    assert overall.wrong <= WRONG_CEILING


# The fresh set (tests/data/fresh_questions.yaml): 302 questions a helper wrote from the seed articles and the
# topic titles only, committed before any change it could steer. Its first run (before anything was changed):
# top-1 85.3%, confidently wrong 3.6%, rejection 96.0%. Since then its odd-numbered questions are development
# data (their misses may be read); the even-numbered half is held out and reported as counts only.
FRESH_TOP1_FLOOR, FRESH_REJECTION_FLOOR, FRESH_WRONG_CEILING = 0.83, 0.90, 0.06


def test_fresh_set_figures_are_reported_and_do_not_regress():
    fresh = load("fresh_questions.yaml")
    matcher = build_matcher(load_bank().topics)
    overall = figures(matcher.match, fresh)
    print(f"\nfresh overall: {overall.line()}")
    print(f"fresh odd half (development): {figures(matcher.match, fresh[1::2]).line()}")
    print(f"fresh even half (held out):   {figures(matcher.match, fresh[0::2]).line()}")
    assert overall.top1 >= FRESH_TOP1_FLOOR
    assert overall.rejection >= FRESH_REJECTION_FLOOR
    assert overall.wrong <= FRESH_WRONG_CEILING


# The readers that check each other (bot/tutor/reading/readers.py), on the same test sets: figures only, never a
# question. Issue 19's targets on each set: top-1 >= 90%, confidently wrong <= 2%, the right topic answered or
# offered >= 97%, off-subject rejected >= 90%. The floors are what the readers reached when first run here, less
# about one question (trained with the authored development questions, run after the design and the data were
# fixed on development data: sealed top-1 91.6%, offered 99.0%, wrong 0.3%, rejection 100%; fresh even half
# 94.4%, 98.4%, 0.8%, 100%). Before the authored questions: sealed 82.9%, 97.6%, 1.0%, 100%; fresh even half
# 82.5%, 97.6%, 1.6%, 100%. The unseen set (tests/data/unseen_questions.yaml) was written after all that, and its
# first run is its floor, less about one question: top-1 92.6%, offered 100%, wrong 0%, rejection 93.3% (the
# matcher alone: 83.5%, 94.4%, 3.5%, 97.8%). Its very first run said 95.6% rejection: two of its off-subject
# questions (everyday chatter) were also development questions the readers trained on; they were left out of
# training and the readers refitted, as for the other test sets.
READERS_TARGETS = {"top-1": 0.90, "wrong": 0.02, "answered or offered": 0.97, "rejection": 0.90}
READERS_FLOORS = {
    "sealed": {"top-1": 0.90, "wrong": 0.01, "answered or offered": 0.98, "rejection": 0.98},
    "fresh even half": {"top-1": 0.92, "wrong": 0.016, "answered or offered": 0.97, "rejection": 0.96},
    "unseen": {"top-1": 0.92, "wrong": 0.004, "answered or offered": 0.99, "rejection": 0.91},
}


def test_readers_on_the_test_sets_are_reported_and_do_not_regress():
    bank = load_bank()
    matcher, readers = build_matcher(bank.topics), build_readers(bank.topics)
    sets = {
        "sealed": load("sealed_questions.yaml"),
        "fresh even half": load("fresh_questions.yaml")[0::2],
        "unseen": load("unseen_questions.yaml"),
    }
    for name, entries in sets.items():
        before, after = figures(matcher.match, entries), figures(readers.match, entries)
        print(f"\n{name} matcher: {before.line()}, answered or offered {before.top1 + before.suggested:5.1%}")
        print(f"{name} readers: {after.line()}, answered or offered {after.top1 + after.suggested:5.1%}")
        met = (
            after.top1 >= READERS_TARGETS["top-1"]
            and after.wrong <= READERS_TARGETS["wrong"]
            and after.top1 + after.suggested >= READERS_TARGETS["answered or offered"]
            and after.rejection >= READERS_TARGETS["rejection"]
        )
        print(f"{name}: issue 19 targets {'met' if met else 'NOT MET'}")
        floor = READERS_FLOORS[name]
        assert after.top1 >= floor["top-1"]
        assert after.wrong <= floor["wrong"]
        assert after.top1 + after.suggested >= floor["answered or offered"]
        assert after.rejection >= floor["rejection"]
