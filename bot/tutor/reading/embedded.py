"""The embedding reader: a logistic regression on WordLlama sentence embeddings, trained like the learned reader.

WordLlama (MIT) ships its 256-dimension model and tokenizer inside its wheel; it is loaded from the package's
own folder with downloads disabled, so nothing is fetched at run time (about 0.3 s, once per process). An
embedding reads a question's meaning from its words' learned vectors, so it catches wording the n-grams never
saw ("who pays for the GPUs" is about cost). Trained on the same texts as the learned reader, about 0.5 s;
reading a question is one embedding and one small matrix product (tens of microseconds).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.tutor.reading.analysis import MAX_QUESTION_CHARS
from bot.tutor.reading.learned import Questions, bank_hash, shipped_questions, training_texts
from bot.tutor.reading.results import TopicTexts

_LOCK = threading.Lock()
_MODEL: list[Any] = []  # the one loaded WordLlama, once loaded
_READERS: dict[str, EmbeddedReader] = {}


def wordllama() -> Any:
    """The packaged WordLlama model, loaded on first use; never downloads."""
    with _LOCK:
        if not _MODEL:
            import wordllama as package
            from wordllama import WordLlama

            _MODEL.append(WordLlama.load(cache_dir=Path(package.__file__).parent, disable_download=True))
        return _MODEL[0]


class EmbeddedReader:
    """Probabilities over the bank's topics (and the off-subject class) for a question."""

    def __init__(self, topics: Sequence[TopicTexts], questions: Questions = (), c: float = 10.0) -> None:
        from sklearn.linear_model import LogisticRegression

        texts, labels = training_texts(topics, questions)
        self.model = wordllama()
        model = LogisticRegression(C=c, max_iter=1000)
        model.fit(self.embed(texts), labels)
        self.fitted = model  # kept so tests can check the hand-read arithmetic against scikit-learn
        self.topics: list[str] = [str(c) for c in model.classes_]
        self._coef = np.ascontiguousarray(model.coef_.T.astype(np.float64))
        self._intercept = model.intercept_.astype(np.float64)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(self.model.embed([t[:MAX_QUESTION_CHARS] for t in texts]), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # unit length, as WordLlama's own norm=True; a text with no known token ("") stays all zeros, not NaN
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    def probabilities(self, question: str) -> dict[str, float]:
        logits = self.embed([question])[0] @ self._coef + self._intercept
        logits -= logits.max()
        odds = np.exp(logits)
        odds /= odds.sum()
        return dict(zip(self.topics, odds.tolist(), strict=True))


def embedded_reader(topics: Sequence[TopicTexts], questions: Questions | None = None) -> EmbeddedReader:
    """The reader for this bank and questions, trained on first use in this process, kept under their hash."""
    questions = shipped_questions() if questions is None else questions
    key = bank_hash(topics, questions)
    with _LOCK:
        reader = _READERS.get(key)
    if reader is None:
        reader = EmbeddedReader(topics, questions)
        with _LOCK:
            reader = _READERS.setdefault(key, reader)
    return reader
