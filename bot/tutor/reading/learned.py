"""The learned reader: a logistic regression on character 2–5-grams and word 1–2-grams, trained from the bank.

Trained on every text the bank holds for a topic (title, aliases, phrasings, key points, both answers, the
example) plus the development questions shipped in dev_questions.yaml (on-subject ones under their topic,
off-subject ones under OFF_SUBJECT, an extra class); no test-set question is among them (a test checks). Trained
once per bank per process (kept under the hash of its training texts), about 1.5 s. Reading a question does
not go back to scikit-learn: its n-grams are looked up in the fitted vocabularies and scored with the fitted
weights directly, the same arithmetic as `predict_proba` (sublinear tf-idf, l2-normalised per vectorizer,
softmax), in a fraction of the time.
"""

from __future__ import annotations

import hashlib
import math
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from bot.tutor.reading.analysis import MAX_QUESTION_CHARS
from bot.tutor.reading.results import TopicTexts
from bot.tutor.reading.words import normalize

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_MODELS: dict[str, LearnedReader] = {}
_MODELS_LOCK = threading.Lock()
OFF_SUBJECT = "_off_subject"  # the class the off-subject development questions teach
DEV_QUESTIONS_FILE = "dev_questions.yaml"  # written by tools/build_readers_data.py

Questions = Sequence[tuple[str, str | None]]  # (question, topic id or None for off-subject)


@cache
def shipped_questions() -> tuple[tuple[str, str | None], ...]:
    """The labelled development questions the readers train on beside the bank."""
    text = resources.files(__package__).joinpath(DEV_QUESTIONS_FILE).read_text(encoding="utf-8")
    # libyaml's loader where PyYAML has it: ten times faster on these 2,000 questions, read at every start
    loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return tuple((str(e["q"]), e["topic"]) for e in loaded)


def bank_texts(topics: Sequence[TopicTexts]) -> tuple[list[str], list[str]]:
    """(text, topic id) pairs: everything the bank says about each topic."""
    texts: list[str] = []
    labels: list[str] = []
    for t in topics:
        for text in (t.title, *t.aliases, *t.phrasings, *t.key_points, t.research, t.production, t.example):
            if text.strip():
                texts.append(text)
                labels.append(t.id)
    return texts, labels


def training_texts(topics: Sequence[TopicTexts], questions: Questions = ()) -> tuple[list[str], list[str]]:
    """The bank's texts plus labelled questions; a question about a topic this bank lacks is left out."""
    texts, labels = bank_texts(topics)
    known = {t.id for t in topics}
    for question, topic in questions:
        if topic is None or topic in known:
            texts.append(question)
            labels.append(OFF_SUBJECT if topic is None else topic)
    return texts, labels


def bank_hash(topics: Sequence[TopicTexts], questions: Questions = ()) -> str:
    texts, labels = training_texts(topics, questions)
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\x00{text}\x01".encode())
    return digest.hexdigest()


class _Vectorizer:
    """One fitted TfidfVectorizer, read by hand: analyzer, vocabulary and idf."""

    def __init__(self, fitted: TfidfVectorizer, coef: np.ndarray) -> None:
        self.analyse: Callable[[str], list[str]] = fitted.build_analyzer()
        self.vocabulary: dict[str, int] = dict(fitted.vocabulary_)
        self.idf = fitted.idf_.astype(np.float64)
        self.coef = np.ascontiguousarray(coef.T)  # feature x topic, so one question gathers rows

    def scores(self, text: str) -> np.ndarray | None:
        counts = Counter(self.analyse(text))
        found = [(self.vocabulary[g], n) for g, n in counts.items() if g in self.vocabulary]
        if not found:
            return None
        idx = np.fromiter((i for i, _ in found), dtype=np.intp, count=len(found))
        tf = np.fromiter((1.0 + math.log(n) for _, n in found), dtype=np.float64, count=len(found))
        weights = tf * self.idf[idx]
        weights /= math.sqrt(float(weights @ weights))
        return weights @ self.coef[idx]


class LearnedReader:
    """Probabilities over the bank's topics for a question."""

    def __init__(self, topics: Sequence[TopicTexts], questions: Questions = (), c: float = 10.0) -> None:
        # scikit-learn loads only when a reader is trained: commands that never read a question start faster
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_union

        texts, labels = training_texts(topics, questions)
        union = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=normalize),
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, preprocessor=normalize),
        )
        features = union.fit_transform(texts)
        model = LogisticRegression(C=c, solver="saga", max_iter=30, tol=1e-3, random_state=0)
        with warnings.catch_warnings():
            # 30 passes, not to convergence (about 50): on development data it reads as well (first choice on the
            # fresh odd half 96.8% either way, out-of-fold 82.7% against 82.8%) and trains in 1.3 s, not 2.1 s
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features, labels)
        # kept so tests can check the hand-read arithmetic against scikit-learn
        self.fitted: tuple[Any, Any] = (union, model)
        self.topics: list[str] = [str(c) for c in model.classes_]
        self._intercept = model.intercept_.astype(np.float64)
        split = len(union.transformer_list[0][1].vocabulary_)
        coef = model.coef_.astype(np.float64)
        self._parts = [
            _Vectorizer(union.transformer_list[0][1], coef[:, :split]),
            _Vectorizer(union.transformer_list[1][1], coef[:, split:]),
        ]

    def probabilities(self, question: str) -> dict[str, float]:
        text = question[:MAX_QUESTION_CHARS]
        logits = self._intercept.copy()
        for part in self._parts:
            scores = part.scores(text)
            if scores is not None:
                logits += scores
        logits -= logits.max()
        odds = np.exp(logits)
        odds /= odds.sum()
        return dict(zip(self.topics, odds.tolist(), strict=True))

    def ranked(self, question: str) -> list[tuple[str, float]]:
        probs = self.probabilities(question)
        return sorted(probs.items(), key=lambda kv: (-kv[1], kv[0]))


def learned_reader(topics: Sequence[TopicTexts], questions: Questions | None = None) -> LearnedReader:
    """The reader for this bank (and the shipped questions unless others are given), trained on first use in
    this process and kept under the hash of its training texts."""
    questions = shipped_questions() if questions is None else questions
    key = bank_hash(topics, questions)
    with _MODELS_LOCK:
        reader = _MODELS.get(key)
        if reader is None:
            reader = _MODELS[key] = LearnedReader(topics, questions)
        return reader
