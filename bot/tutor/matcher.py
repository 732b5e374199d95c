"""Matches a free-text question to a topic of the bank: pure, built once, no I/O.

Words are normalised, stemmed and folded through synonym groups (text.py), so 'gpus', 'hardware' and 'TPU'
are one term. Each term of the question votes for the topics whose title, aliases and phrasings use it
(answers and examples count as weaker vocabulary), weighted by how rare it is across topics, so 'drift'
outweighs 'model'; all words of a multi-word alias earn their topic a bonus. Typos are resolved against the
bank's spellings (OSA distance), and the bank's own deliberate misspellings are folded onto the real word.

Ranking: the share of the question's known evidence each topic explains, plus rapidfuzz's ratio against the
closest title/alias/phrasing, which rewards near-verbatim questions.

Confidence (what rejects off-subject chatter): the share of the question's weight the bank knows (unknown
everyday words weigh little; general ML vocabulary counts as on-subject), halved for each word foreign to
the subject, cut when no topic-specific word carries enough weight, and shrunk when the runner-up is close.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.tutor.text import (
    COMMON_FACTOR,
    STOPWORDS,
    canonical,
    general_weight,
    is_common,
    is_domain,
    normalize,
    stem,
    synonym_words,
)

MAX_QUESTION_CHARS = 1000  # longer input is cut before matching: cost stays bounded, meaning rarely lives past it
CONFIDENT = 0.26
UNSURE = 0.12
TITLE_WEIGHT = 3.0
ALIAS_WEIGHT = 2.0
PHRASING_WEIGHT = 1.0
BODY_WEIGHT = 0.3  # a word seen only in answers, not in what people type, is weaker evidence
SATURATION = 2.0  # this much weighted use makes a word fully 'known'
UNKNOWN_WEIGHT = 1.0  # an unknown word weighs this share of the rarest known word (everyday words: less)
ALIAS_BONUS = 0.3  # all words of a multi-word alias present: that topic gets this share of their weight again
PHRASE_WEIGHT = 0.25
PHRASE_FLOOR = 0.6  # phrase ratios below this say nothing
MARGIN_WEIGHT = 0.5
DOMAIN_STRENGTH = 1.0  # a general ML word the bank lacks counts this much as on-subject
MIN_EVIDENCE = 1.0  # this much topic-specific word weight is needed for full confidence
FOREIGN_DECAY = 0.5  # each word foreign to the subject (unknown, not everyday English) multiplies confidence by this
DOMINANCE_FLOOR = 0.5
_CACHE_LIMIT = 4096


class Band(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Match:
    question: str
    topic: str | None
    confidence: float
    suggestions: tuple[str, ...]
    band: Band

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "topic": self.topic,
            "confidence": round(self.confidence, 3),
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class TopicTexts:
    """What the matcher needs of a topic: plain strings, so the core never imports the content models."""

    id: str
    title: str
    aliases: tuple[str, ...]
    phrasings: tuple[str, ...]
    body: tuple[str, ...] = ()  # answer, key points, example: vocabulary only, too long to compare as phrases


_DROP = ("", 0.0)  # a word that resolved to a stopword (a typo of one): it carries nothing
_DOMAIN = ("*", 1.0)  # a machine-learning word the bank does not use: on-subject, but no topic in particular


def _is_number(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _raw_words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in STOPWORDS and len(w) > 1]


def _terms(text: str) -> list[str]:
    return [canonical(stem(w)) for w in _raw_words(text)]


class Matcher:
    def __init__(self, topics: Iterable[TopicTexts]) -> None:
        topics = list(topics)
        self._topics = [t.id for t in topics]
        self._choices: list[str] = []
        self._choice_topic: list[str] = []
        self._alias_sets: list[tuple[frozenset[str], str]] = []
        fields: list[tuple[str, list[str], float, bool]] = []  # topic, raw words, weight, typed by people
        for topic in topics:
            typed = [
                (topic.title, TITLE_WEIGHT),
                *((a, ALIAS_WEIGHT) for a in topic.aliases),
                *((p, PHRASING_WEIGHT) for p in topic.phrasings),
            ]
            fields += [(topic.id, _raw_words(text), weight, True) for text, weight in typed]
            fields += [(topic.id, _raw_words(text), BODY_WEIGHT, False) for text in topic.body if BODY_WEIGHT]
        fold = self._bank_typos(fields)
        fields = [(tid, [w for w in raw if fold.get(w) != ""], weight, t) for tid, raw, weight, t in fields]
        term_of = {w: fold.get(w) or canonical(stem(w)) for _, raw, _, _ in fields for w in raw}
        tf: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        uses: dict[str, float] = defaultdict(float)
        for tid, raw, weight, typed_field in fields:
            for w in set(raw):
                uses[w] += weight
            words = [term_of[w] for w in raw]
            for term in set(words):
                tf[term][tid] += weight
            if typed_field and words:
                self._choices.append(" ".join(words))
                self._choice_topic.append(tid)
                if weight > PHRASING_WEIGHT and len(set(words)) > 1:
                    self._alias_sets.append((frozenset(words), tid))
        n = len(self._topics)
        self._idf: dict[str, float] = {}
        self._votes: dict[str, tuple[tuple[str, float], ...]] = {}
        self._known: dict[str, float] = {}
        for term, per_topic in tf.items():
            df = sum(min(1.0, c / SATURATION) for c in per_topic.values())
            self._idf[term] = math.log(1 + n / max(df, 1.0))
            total = sum(per_topic.values())
            self._votes[term] = tuple((tid, c / total) for tid, c in per_topic.items())
            # Words people type are fully known; words only seen in answers are known as far as they are used.
            self._known[term] = min(1.0, total / SATURATION)
        self._unknown_idf = math.log(1 + n) * UNKNOWN_WEIGHT
        # Every spelling that leads to a known term, for typo look-ups: the bank's words and their synonyms.
        spellings = {w: t for w, t in term_of.items() if w not in fold}
        spellings.update((w, canonical(stem(w))) for w in synonym_words() if canonical(stem(w)) in tf)
        self._spellings = spellings
        self._spelling_keys = list(spellings)
        self._spelling_uses = {w: uses.get(w, 0.0) for w in spellings}
        self._long_stopwords = [w for w in STOPWORDS if len(w) >= 5]
        self._cache: dict[str, tuple[str | None, float]] = {}

    @staticmethod
    def _bank_typos(fields: list[tuple[str, list[str], float, bool]]) -> dict[str, str]:
        """The bank's own deliberate misspellings ('modles', 'prodcut'), folded onto the word they misspell:
        a word typed once and never used in an answer, one edit from a word the bank uses at least twice."""
        typed: dict[str, int] = defaultdict(int)
        seen: dict[str, int] = defaultdict(int)
        for _, raw, _, typed_field in fields:
            for w in set(raw):
                seen[w] += 1
                typed[w] += typed_field
        frequent = [w for w, c in seen.items() if c >= 2]
        frequent_stems = list({stem(w) for w in frequent if len(stem(w)) >= 5})
        long_stopwords = [w for w in STOPWORDS if len(w) >= 5]
        fold: dict[str, str] = {}
        for word, count in typed.items():
            if count != 1 or seen[word] > 1 or len(word) < 5 or is_common(word):
                continue
            if process.extractOne(word, long_stopwords, scorer=OSA.distance, score_cutoff=1):
                fold[word] = ""  # 'realy': a misspelt stopword
                continue
            hit = process.extractOne(word, frequent, scorer=OSA.distance, score_cutoff=1)
            if hit is None and len(stem(word)) >= 5:  # 'stakehoders': two edits from 'stakeholders', one from its stem
                hit = process.extractOne(stem(word), frequent_stems, scorer=OSA.distance, score_cutoff=1)
            # Typos rarely hit the first letter, while 'batch'/'catch' or 'tight'/'might' are different words.
            if hit and hit[0][0] == word[0] and stem(hit[0]) != stem(word):
                fold[word] = canonical(stem(hit[0]))
        return fold

    @property
    def topic_ids(self) -> list[str]:
        return list(self._topics)

    def _resolve(self, word: str) -> tuple[str, float] | None:
        """(term, similarity) for a word of the question, _DROP for a misspelt stopword, None if unknown."""
        hit = self._cache.get(word)
        if hit is None:
            hit = self._resolve_uncached(word)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[word] = hit
        return None if hit[0] is None else hit  # type: ignore[return-value]

    def _resolve_uncached(self, word: str) -> tuple[str | None, float]:
        term = canonical(stem(word))
        if term in self._idf:
            return term, 1.0
        if is_domain(word):
            return _DOMAIN
        if is_common(word) or _is_number(word):
            return None, 0.0
        # Short words are too easily one edit from another word ("lunch"/"launch"), so only longer ones
        # may be typos: a swapped pair from 4 letters, one edit from 6 letters, two from 8.
        max_edits = 0 if len(word) < 4 else 1 if len(word) < 8 else 2
        if not max_edits:
            return None, 0.0
        if len(word) >= 5 and process.extractOne(word, self._long_stopwords, scorer=OSA.distance, score_cutoff=1):
            return _DROP
        hits = process.extract(word, self._spelling_keys, scorer=OSA.distance, score_cutoff=max_edits, limit=8)
        hits = [h for h in hits if h[0][0] == word[0]]  # typos rarely hit the first letter
        if not hits:
            return None, 0.0
        # The closest spelling; among equally close ones, the word people type most.
        known, edits, _ = min(hits, key=lambda h: (h[1], -self._spelling_uses[h[0]]))
        if len(word) < 6 and (len(known) != len(word) or sorted(known) != sorted(word)):
            return None, 0.0  # four or five letters: only a swapped pair counts as a typo
        return self._spellings[known], 1 - edits / (len(word) + 1)

    def _evidence(self, words: list[str]) -> tuple[dict[str, float], float, float, float, float, float]:
        """Per-topic evidence, the known mass, the on-subject mass and the total mass of the question's words,
        and how many words look foreign to the subject (unknown words that are not everyday English)."""
        scores: dict[str, float] = defaultdict(float)
        total = known_mass = domain_mass = foreign = specific = 0.0
        present: dict[str, float] = {}
        for word in dict.fromkeys(words):
            resolved = self._resolve(word)
            common = COMMON_FACTOR if _is_number(word) else general_weight(word)
            if resolved is None:
                total += self._unknown_idf * common
                foreign += common == 1.0
                continue
            term, similarity = resolved
            if not similarity:
                continue
            if term == _DOMAIN[0]:
                total += self._unknown_idf
                domain_mass += self._unknown_idf * DOMAIN_STRENGTH
                continue
            weight = self._idf[term]  # a known word keeps its weight: the bank's own rarity already ranks it
            total += weight
            known = self._known[term]
            if known < DOMAIN_STRENGTH and is_domain(word):
                known = DOMAIN_STRENGTH  # 'transformer' is on-subject even if only an answer mentions it
            mass = weight * similarity * known
            known_mass += mass
            if common == 1.0:
                foreign += 1.0 - known
                specific += mass
            present[term] = max(present.get(term, 0.0), mass)
            for tid, share in self._votes[term]:
                scores[tid] += mass * share
        for alias, tid in self._alias_sets:
            if alias <= present.keys():
                scores[tid] += ALIAS_BONUS * sum(present[t] for t in alias)
        gate = min(1.0, specific / MIN_EVIDENCE) if MIN_EVIDENCE else 1.0
        return scores, known_mass, known_mass + domain_mass, total, foreign, gate

    def _spelled(self, word: str) -> str:
        """A word as the phrase index spells it: its term when known, its stem otherwise."""
        resolved = self._resolve(word)
        return resolved[0] if resolved and resolved[0] not in ("", "*") else stem(word)

    def _phrase_scores(self, terms: str) -> dict[str, float]:
        best: dict[str, float] = {}
        for _, score, idx in process.extract(terms, self._choices, scorer=fuzz.ratio, limit=8):
            tid = self._choice_topic[idx]
            best[tid] = max(best.get(tid, 0.0), score / 100)
        return best

    def _analyse(self, question: str) -> tuple[list[tuple[str, float]], float, dict[str, float]]:
        """Topics ranked by score (share of the question's known mass), coverage, phrase likeness."""
        words = _raw_words(question.strip()[:MAX_QUESTION_CHARS])
        if not words:
            return [], 0.0, {}
        scores, known_mass, subject_mass, total, foreign, gate = self._evidence(words)
        if not known_mass:
            return [], 0.0, {}
        phrases = self._phrase_scores(" ".join(map(self._spelled, words)))
        blended = {}
        for tid, score in scores.items():
            phrase = max(0.0, phrases.get(tid, 0.0) - PHRASE_FLOOR) / (1 - PHRASE_FLOOR)
            blended[tid] = score / known_mass + PHRASE_WEIGHT * phrase
        ranked = sorted(blended.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked, subject_mass / total * FOREIGN_DECAY**foreign * gate, phrases

    def match(self, question: str) -> Match:
        ranked, coverage, _ = self._analyse(question)
        if not ranked:
            return Match(question, None, 0.0, (), Band.UNKNOWN)
        top_id, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        # A clear winner is more believable than a narrow one: shrink confidence when the runner-up is close.
        dominance = min(1.0, (top - MARGIN_WEIGHT * runner_up) / max(top, 1e-9))
        confidence = max(0.0, min(1.0, coverage * (DOMINANCE_FLOOR + (1 - DOMINANCE_FLOOR) * dominance)))
        suggestions = tuple(tid for tid, score in ranked[:3] if score >= top * 0.5)
        if confidence >= CONFIDENT:
            return Match(question, top_id, confidence, suggestions, Band.ANSWER)
        if confidence >= UNSURE:
            return Match(question, None, confidence, suggestions, Band.DID_YOU_MEAN)
        return Match(question, None, confidence, (), Band.UNKNOWN)


def build_matcher(topics: Mapping[str, object] | Iterable[TopicTexts]) -> Matcher:
    """Build from TopicTexts, or from anything with id/title/aliases/phrasings attributes (the content models)."""
    items = topics.values() if isinstance(topics, Mapping) else topics
    return Matcher(
        [
            TopicTexts(
                t.id,  # type: ignore[attr-defined]
                t.title,  # type: ignore[attr-defined]
                tuple(t.aliases),  # type: ignore[attr-defined]
                tuple(t.phrasings),  # type: ignore[attr-defined]
                (t.answer.research, t.answer.production, *t.key_points, t.example),  # type: ignore[attr-defined]
            )
            for t in items
        ]
    )
