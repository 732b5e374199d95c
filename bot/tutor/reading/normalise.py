"""Text normalisation for every reader: one definition of a 'word'.

No word list lives here: they are data files in bot/tutor/lexicon/. Stems come from the Snowball English
stemmer (the snowballstemmer package, which uses PyStemmer's C build when it is installed).
"""

from __future__ import annotations

import re
import threading

import snowballstemmer

_SLACK_TOKEN = re.compile(r"<[@#!][^>]*>|<https?://[^>]*>|https?://\S+|(?<![\w.])@[\w.-]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_CONTRACTION = re.compile(r"n't\b|'(?:s|re|ve|ll|d|m)\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower-case, drop Slack markup (mentions, channels, links) and contractions; letters and digits only."""
    text = _SLACK_TOKEN.sub(" ", text.translate(_APOSTROPHES).lower())
    text = _CONTRACTION.sub(lambda m: " not" if m.group(0) == "n't" else "", text)
    return " ".join(_NON_WORD.split(text)).strip()


def words(text: str) -> list[str]:
    """The words of a text, normalised, in order; single letters and stop words are the caller's business."""
    return normalize(text).split()


class Stemmer:
    """Snowball English stems with a cache. The snowballstemmer object keeps state while it works, so calls
    are serialised; the cache makes a repeated word cost one dict look-up."""

    def __init__(self, exceptions: dict[str, str] | None = None) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._lock = threading.Lock()
        self._cache: dict[str, str] = dict(exceptions or {})

    def __call__(self, word: str) -> str:
        hit = self._cache.get(word)
        if hit is None:
            with self._lock:
                hit = self._stemmer.stemWord(word)
            if len(self._cache) < 65536:
                self._cache[word] = hit
        return hit
