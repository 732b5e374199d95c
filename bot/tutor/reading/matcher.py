"""The matcher: the word-based reader, built once from the bank, no I/O at match time.

A long message that gives context before it asks is also read for its asking sentence alone (the last one with
a question mark); the surer of the two readings answers. Words, ranking and confidence are tuned together
against the same evaluation sets (tests/bot/tutor/tuning.py): a change to one moves the others' thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.tutor.reading.analysis import Analysis, analyse
from bot.tutor.reading.index import TopicIndex
from bot.tutor.reading.params import Params
from bot.tutor.reading.results import Band, Match, TopicTexts, topic_texts
from bot.tutor.reading.spelling import Spelling
from bot.tutor.reading.verdict import ask_sentence, decide
from bot.tutor.reading.words import Vocabulary


class Matcher:
    def __init__(self, topics: Iterable[TopicTexts], params: Params | None = None) -> None:
        params = params or Params()
        topics = list(topics)
        self.words = Vocabulary(params)
        self.index = TopicIndex(topics, self.words, params)
        self.spelling = Spelling(self.words, self.index)
        self._params = params

    @property
    def params(self) -> Params:
        return self._params

    @params.setter
    def params(self, value: Params) -> None:
        """Tuning swaps constants on a built matcher: every part reads the new ones."""
        self._params = self.words.params = self.index.params = value

    def match(self, question: str, context_topic: str | None = None) -> Match:
        whole = self._decide(question, self._analyse(question), context_topic)
        ask = ask_sentence(question)
        if ask is None or (whole.band is Band.ANSWER and whole.confidence >= self.params.ask_sure):
            return whole
        asked = self._decide(question, self._analyse(ask), context_topic)
        if asked.band is Band.ANSWER and asked.confidence > whole.confidence:
            return asked
        return whole

    def _analyse(self, question: str) -> Analysis:
        return analyse(question, self.words, self.spelling, self.index)

    def _decide(self, question: str, a: Analysis, context_topic: str | None = None) -> Match:
        return decide(question, a, self.index.topics, self.params, context_topic)

    @property
    def topic_ids(self) -> list[str]:
        return list(self.index.topics)


def build_matcher(topics: Mapping[str, object] | Iterable[object], params: Params | None = None) -> Matcher:
    """Build from TopicTexts, or from the content models (anything with the same attributes)."""
    items = topics.values() if isinstance(topics, Mapping) else topics
    return Matcher([topic_texts(t) for t in items], params)
