"""Reading a question: which topic of the bank it asks about (words, spelling, ranking, bands), pure and built
once from the bank. `build_matcher(topics)` is the one entry point; `Match` is what every caller gets."""

from bot.tutor.reading.analysis import MAX_QUESTION_CHARS
from bot.tutor.reading.matcher import Matcher, build_matcher
from bot.tutor.reading.params import Params
from bot.tutor.reading.results import FACETS, Band, Match, TopicTexts, topic_texts

__all__ = [
    "FACETS",
    "MAX_QUESTION_CHARS",
    "Band",
    "Match",
    "Matcher",
    "Params",
    "TopicTexts",
    "build_matcher",
    "topic_texts",
]
