"""Readers that check each other: the matcher, the learned (n-gram) reader and the embedding reader, combined
into one `Match` by a small logistic regression learned from their outputs (stacking).

Every topic any reader puts forward (the matcher's answer and suggestions, each learned reader's first three) is
a candidate. For each, `features` describes what the readers said of it: where the matcher ranks it and how sure
the matcher is, each learned reader's probability and whether it is its first choice, both readers' belief that
the question is off-subject. The combination turns those into the chance that the candidate is right:
- the best candidate at least `answer` likely: answer it;
- otherwise "did you mean" the three likeliest, unless the matcher rejected the question and no candidate
  reaches `offer` (then the matcher's "not covered" or "I don't know" stands);
- a follow-up the matcher reads from the conversation ("and in research?") is the matcher's alone.
The weights and both thresholds are fitted on development data only, from readers that never saw the question
they read (cross-validation), by tests/bot/tutor/readers_tuning.py; tools/build_readers_data.py writes them to
combination.json.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.tutor.reading.embedded import EmbeddedReader, embedded_reader
from bot.tutor.reading.learned import OFF_SUBJECT, LearnedReader, Questions, learned_reader
from bot.tutor.reading.matcher import Matcher, build_matcher
from bot.tutor.reading.results import Band, Match, topic_texts

COMBINATION_FILE = "combination.json"
FEATURES = (
    "matcher answers it",
    "matcher suggests it first",
    "matcher answers it x confidence",
    "matcher suggests it first x confidence",
    "among the matcher's suggestions",
    "1 / rank among the matcher's suggestions",
    "matcher rejects the question",
    "n-gram probability",
    "n-gram first choice",
    "embedding probability",
    "embedding first choice",
    "n-gram off-subject probability",
    "embedding off-subject probability",
    "matcher band answer",
    "matcher band did you mean",
    "matcher confidence",
    "n-gram x embedding probability",
    "lower of the two probabilities",
)


@dataclass(frozen=True)
class Combination:
    """The fitted stacker: one weight per feature, an intercept, and the two thresholds on its probability."""

    weights: tuple[float, ...]
    intercept: float
    answer: float
    offer: float

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 6) for w in self.weights],
            "intercept": round(self.intercept, 6),
            "answer": self.answer,
            "offer": self.offer,
        }


@cache
def shipped_combination() -> Combination:
    data = json.loads(resources.files(__package__).joinpath(COMBINATION_FILE).read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{COMBINATION_FILE} was fitted for other features: run tools/build_readers_data.py")
    return Combination(tuple(data["weights"]), data["intercept"], data["answer"], data["offer"])


def _on_subject(probabilities: Mapping[str, float]) -> dict[str, float]:
    return {t: p for t, p in probabilities.items() if t != OFF_SUBJECT}


def _first_three(probabilities: Mapping[str, float]) -> list[str]:
    return sorted(probabilities, key=lambda t: (-probabilities[t], t))[:3]


def candidates(first: Match, ngram: Mapping[str, float], embedding: Mapping[str, float]) -> list[str]:
    found = [first.topic] if first.topic else []
    found += [*first.suggestions, *_first_three(_on_subject(ngram)), *_first_three(_on_subject(embedding))]
    return list(dict.fromkeys(found))


def features(first: Match, ngram: Mapping[str, float], embedding: Mapping[str, float], topic: str) -> list[float]:
    """What the three readers said about `topic` for one question, in the order of FEATURES."""
    on_ngram, on_embedding = _on_subject(ngram), _on_subject(embedding)
    leader = first.topic or (first.suggestions[0] if first.suggestions else None)
    is_first = float(topic == leader)
    answers, unsure = float(first.band is Band.ANSWER), float(first.band is Band.DID_YOU_MEAN)
    rank = first.suggestions.index(topic) if topic in first.suggestions else -1
    p_ngram, p_embedding = on_ngram.get(topic, 0.0), on_embedding.get(topic, 0.0)
    return [
        is_first * answers,
        is_first * unsure,
        is_first * answers * first.confidence,
        is_first * unsure * first.confidence,
        float(rank >= 0),
        1.0 / (rank + 1) if rank >= 0 else 0.0,
        1.0 - answers - unsure,
        p_ngram,
        float(bool(on_ngram) and topic == max(on_ngram, key=on_ngram.__getitem__)),
        p_embedding,
        float(bool(on_embedding) and topic == max(on_embedding, key=on_embedding.__getitem__)),
        ngram.get(OFF_SUBJECT, 0.0),
        embedding.get(OFF_SUBJECT, 0.0),
        answers,
        unsure,
        first.confidence,
        p_ngram * p_embedding,
        min(p_ngram, p_embedding),
    ]


def ranked(
    first: Match, ngram: Mapping[str, float], embedding: Mapping[str, float], weights: Combination
) -> list[tuple[float, str]]:
    """Each candidate's chance of being the question's topic, likeliest first."""
    scored = []
    for topic in candidates(first, ngram, embedding):
        said = features(first, ngram, embedding, topic)
        z = weights.intercept + sum(w * x for w, x in zip(weights.weights, said, strict=True))
        scored.append((1.0 / (1.0 + math.exp(-z)), topic))
    return sorted(scored, key=lambda st: (-st[0], st[1]))


def decide(first: Match, scores: list[tuple[float, str]], answer: float, offer: float) -> Match:
    """The verdict from the candidates' chances (`ranked`) and the two thresholds."""
    if not scores:
        return first
    best, topic = scores[0]
    three = tuple(t for _, t in scores[:3])
    if best >= answer:
        if first.band is Band.ANSWER and first.topic == topic:
            return first  # keeps what only the matcher knows (a comparison's other topics, the facet asked for)
        return Match(first.question, topic, best, three, Band.ANSWER, facet=first.facet)
    if best >= offer or first.band in (Band.ANSWER, Band.DID_YOU_MEAN):
        return Match(first.question, None, best, three, Band.DID_YOU_MEAN)
    return first


def combine(
    first: Match,
    ngram: Mapping[str, float],
    embedding: Mapping[str, float],
    weights: Combination,
    context_topic: str | None = None,
) -> Match:
    """One verdict from the matcher's `first` and both learned readers' probabilities."""
    if context_topic is not None and first.topic == context_topic:
        return first  # a follow-up: only the matcher reads the conversation
    return decide(first, ranked(first, ngram, embedding, weights), weights.answer, weights.offer)


class Readers:
    """The one reader the app uses: `match(question, context_topic)` -> `Match`, as the matcher's."""

    def __init__(
        self,
        matcher: Matcher,
        learned: LearnedReader,
        embedded: EmbeddedReader,
        weights: Combination | None = None,
    ) -> None:
        self.matcher = matcher
        self.learned = learned
        self.embedded = embedded
        self.weights = weights or shipped_combination()

    def match(self, question: str, context_topic: str | None = None) -> Match:
        first = self.matcher.match(question, context_topic)
        if context_topic is not None and first.topic == context_topic:
            return first
        ngram, embedding = self.learned.probabilities(question), self.embedded.probabilities(question)
        return combine(first, ngram, embedding, self.weights, context_topic)

    @property
    def topic_ids(self) -> list[str]:
        return self.matcher.topic_ids


def build_readers(topics: Mapping[str, object] | Iterable[object], questions: Questions | None = None) -> Readers:
    """The app's entry point: the three readers for this bank (trained on it and the shipped development
    questions, or on `questions`), checking each other."""
    items = [topic_texts(t) for t in (topics.values() if isinstance(topics, Mapping) else topics)]
    return Readers(build_matcher(items), learned_reader(items, questions), embedded_reader(items, questions))


class LazyReaders:
    """The readers, trained the first time a question is read: commands that never read one (post-quiz,
    channels, leaderboard, export) start without paying seconds of training; `serve` warms them before it
    listens, so no person waits for it."""

    def __init__(self, build: Callable[[], Readers]) -> None:
        self._build = build
        self._readers: Readers | None = None
        self._lock = threading.Lock()

    def readers(self) -> Readers:
        if self._readers is None:
            with self._lock:
                if self._readers is None:
                    self._readers = self._build()
        return self._readers

    def match(self, question: str, context_topic: str | None = None) -> Match:
        return self.readers().match(question, context_topic)


def lazy_readers(topics: Mapping[str, object] | Iterable[object]) -> LazyReaders:
    """`build_readers(topics)` when first needed."""
    return LazyReaders(lambda: build_readers(topics))
