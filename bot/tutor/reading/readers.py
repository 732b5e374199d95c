"""Readers that check each other: the matcher and the learned reader, combined into one `Match`.

- Both name the same topic (or the learned reader names a topic the matcher's comparison also names): answer.
- The matcher answers but the learned reader prefers another topic: still answer when the learned reader gives
  the matcher's topic some weight (`keep`) or the matcher is very sure (`sure`); otherwise "did you mean" both.
- The matcher is unsure: answer the learned reader's first choice when it is sure of it (`promote`) and the
  matcher suggested it too; otherwise "did you mean", adding the learned reader's first choice (`offer`).
- Off-subject and uncovered questions stay the matcher's call (its word lists know chatter; the learned
  reader, trained on the bank alone, always has some topic first).
- A follow-up the matcher reads from the conversation ("and in research?") is the matcher's alone.
The thresholds are chosen by tests/bot/tutor/readers_tuning.py on development data only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.tutor.reading.learned import LearnedReader, learned_reader
from bot.tutor.reading.matcher import Matcher, build_matcher
from bot.tutor.reading.results import Band, Match, topic_texts


@dataclass(frozen=True)
class Agreement:
    """When the readers' verdicts are combined into an answer (chosen by tests/bot/tutor/readers_tuning.py)."""

    keep: float = 0.1  # the learned reader's probability for the matcher's topic that lets its answer stand
    sure: float = 1.1  # matcher confidence that answers whatever the learned reader says (above 1: never)
    promote: float = 0.6  # learned probability that turns a "did you mean" it agrees with into an answer
    offer: float = 0.0  # learned probability from which its first choice joins the suggestions


def combine(
    first: Match, probabilities: Mapping[str, float], rule: Agreement, context_topic: str | None = None
) -> Match:
    """One verdict from the matcher's `first` and the learned reader's probabilities over the topics."""
    if not probabilities:
        return first
    learned, chance = min(probabilities.items(), key=lambda kv: (-kv[1], kv[0]))
    if first.band is Band.ANSWER and first.topic is not None:
        if context_topic is not None and first.topic == context_topic:
            return first  # a follow-up: only the matcher reads the conversation
        agrees = learned == first.topic or learned in first.also
        if agrees or probabilities.get(first.topic, 0.0) >= rule.keep or first.confidence >= rule.sure:
            return first
        both = (first.topic, learned, *(t for t in first.suggestions if t not in (first.topic, learned)))
        return Match(first.question, None, first.confidence, both[:3], Band.DID_YOU_MEAN)
    if first.band is Band.DID_YOU_MEAN:
        if learned in first.suggestions and chance >= rule.promote:
            ranked = (learned, *(t for t in first.suggestions if t != learned))
            return Match(first.question, learned, max(first.confidence, chance), ranked, Band.ANSWER)
        if learned not in first.suggestions and chance >= rule.offer:
            return replace(first, suggestions=(*first.suggestions[:2], learned))
    return first


class Readers:
    """The one reader the app uses: `match(question, context_topic)` -> `Match`, as the matcher's."""

    def __init__(self, matcher: Matcher, learned: LearnedReader, rule: Agreement | None = None) -> None:
        self.matcher = matcher
        self.learned = learned
        self.rule = rule or Agreement()

    def match(self, question: str, context_topic: str | None = None) -> Match:
        first = self.matcher.match(question, context_topic)
        if first.band in (Band.NOT_COVERED, Band.UNKNOWN):
            return first  # the learned reader could change nothing: save its time
        return combine(first, self.learned.probabilities(question), self.rule, context_topic)

    @property
    def topic_ids(self) -> list[str]:
        return self.matcher.topic_ids


def build_readers(topics: Mapping[str, object] | Iterable[object], rule: Agreement | None = None) -> Readers:
    """The app's entry point: the matcher and the learned reader for this bank, checking each other."""
    items = [topic_texts(t) for t in (topics.values() if isinstance(topics, Mapping) else topics)]
    return Readers(build_matcher(items), learned_reader(items), rule)
