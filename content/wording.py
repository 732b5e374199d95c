"""Surface cues in a sentence: absolute and hedged words, negations, and the content words two texts share.
The cue-only quiz solver (cues.py) and the wording review (review.py) read sentences through these."""

from __future__ import annotations

import re

# Words that make a claim sweeping. Phrases are matched as runs of words.
ABSOLUTE_WORDS = frozenset(
    """
    always never only none all every everything everyone everybody anyone anything nothing nobody nowhere no
    whatever forever
    entirely completely totally fully wholly purely solely absolutely certainly definitely invariably
    guaranteed guarantee guarantees impossible must cannot can't any
    """.split()
)
ABSOLUTE_PHRASES = (("no", "longer"), ("for", "good"), ("no", "one"), ("at", "all"), ("without", "exception"))

# Words that soften a claim.
HEDGED_WORDS = frozenset(
    """
    often usually may might can could tend tends tended typically mostly sometimes primarily likely
    unlikely generally frequently rarely seldom occasionally commonly largely mainly partly partially
    probably possibly perhaps somewhat some many several fairly relatively arguably
    """.split()
)
HEDGED_PHRASES = (("in", "general"), ("as", "a", "rule"), ("in", "many", "cases"), ("more", "or", "less"))

NEGATION_WORDS = frozenset("not no nor neither never without isn't aren't doesn't don't didn't n't".split())

# Left out of word overlap: they say nothing about the content.
STOPWORDS = frozenset(
    """
    a an the and or but of to in on at by for with from as is are was were be been being it its this that
    these those their them they there than then so such into over under about which what who whom whose
    why how when where while do does did done has have had having will would should shall can could may
    might must not no nor only also just more most less least very much many some any all each every one
    two three your you our we us he she his her i me my if because since until up down out off new ml
    machine learning model models select apply statement statements true false following best option
    """.split()
)

_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-cased words, the same tokenisation the copy check uses."""
    return _WORD.findall(text.lower())


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _count(tokens: list[str], single: frozenset[str], phrases: tuple[tuple[str, ...], ...]) -> int:
    used = [False] * len(tokens)
    hits = 0
    for phrase in phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) == phrase and not any(used[i : i + n]):
                hits += 1
                used[i : i + n] = [True] * n
    return hits + sum(1 for t, u in zip(tokens, used, strict=True) if not u and t in single)


def absolute_count(text: str) -> int:
    return _count(words(text), ABSOLUTE_WORDS, ABSOLUTE_PHRASES)


def hedged_count(text: str) -> int:
    return _count(words(text), HEDGED_WORDS, HEDGED_PHRASES)


def negation_count(text: str) -> int:
    return sum(1 for t in words(text) if t in NEGATION_WORDS or t.endswith("n't"))


def content_words(text: str) -> frozenset[str]:
    return frozenset(_stem(t) for t in words(text) if t not in STOPWORDS and len(t) > 2)
