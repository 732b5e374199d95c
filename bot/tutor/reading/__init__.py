"""Reading a question: which topic of the bank it asks about (the matcher's words, spelling, ranking and bands,
two learned readers, and the combination fitted over all three). `build_readers(topics)` is the app's one entry
point."""

from bot.tutor.reading.analysis import MAX_QUESTION_CHARS
from bot.tutor.reading.matcher import Matcher, build_matcher
from bot.tutor.reading.params import Params
from bot.tutor.reading.readers import Combination, LazyReaders, Readers, build_readers, lazy_readers
from bot.tutor.reading.results import FACETS, Band, Match, TopicTexts, topic_texts

__all__ = [
    "FACETS",
    "MAX_QUESTION_CHARS",
    "Band",
    "Combination",
    "LazyReaders",
    "Match",
    "Matcher",
    "Params",
    "Readers",
    "TopicTexts",
    "build_matcher",
    "build_readers",
    "lazy_readers",
    "topic_texts",
]
