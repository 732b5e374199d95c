"""Words: normalising text, and what a question word is to the matcher, from the word lists (bot/tutor/lexicon/).

A question is normalised (lower case, no Slack markup or contractions), shorthand is expanded ("prod" ->
production), stop words go, and each word is stemmed (Snowball, with PyStemmer's C build when installed) and
folded through synonym groups, so 'gpus', 'hardware' and 'TPU' are one term. A greeting that opens the message
("hey team,") is dropped, and the words of a jargon term ('batch size') are that term, not evidence of a topic.
How much a word says is its rarity in everyday English (wordfreq's Zipf frequencies).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass

import snowballstemmer

from bot.tutor import lexicon
from bot.tutor.reading.params import Params

SLACK_TOKEN = re.compile(r"<[@#!][^>]*>|<https?://[^>]*>|https?://\S+|(?<![\w.])@[\w.-]+")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_CONTRACTION = re.compile(r"n't\b|'(?:s|re|ve|ll|d|m)\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower-case, drop Slack markup (mentions, channels, links) and contractions; letters and digits only."""
    text = SLACK_TOKEN.sub(" ", text.translate(APOSTROPHES).lower())
    text = _CONTRACTION.sub(lambda m: " not" if m.group(0) == "n't" else "", text)
    return " ".join(_NON_WORD.split(text)).strip()


def words(text: str) -> list[str]:
    """The words of a text, normalised, in order; single letters and stop words are the caller's business."""
    return normalize(text).split()


@dataclass
class Word:
    """What one question word turned out to be."""

    surface: str
    term: str | None = None  # an index term, or None
    similarity: float = 1.0  # below 1 for a typo fix
    info: float = 1.0  # how much it says, by rarity in everyday English
    foreign: float = 1.0  # how much it says against the subject when the bank does not know it
    domain: bool = False  # general ML vocabulary the bank lacks


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


def _fold_table(stem: Stemmer) -> dict[str, str]:
    table: dict[str, str] = {}
    for group in lexicon.synonym_groups():
        head = stem(group[0])
        for word in group:
            table.setdefault(stem(word), head)
    return table


class Vocabulary:
    """The word lists, read once, and what they say about one word: its term, its weight, its kind."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.stem = Stemmer(lexicon.stem_exceptions())
        self.stop = lexicon.stopwords()
        self.abbrev = lexicon.abbreviations()
        self.zipf = lexicon.everyday()
        self.fold = _fold_table(self.stem)
        self.anchor_terms = {self.term(w) for w in lexicon.anchors()}
        self.jargon = {w for w in lexicon.glossary() if " " not in w}
        self.jargon_stems = {self.stem(w) for w in self.jargon}
        self.jargon_phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)  # first word -> terms
        for term in lexicon.glossary():
            if " " in term:
                self.jargon_phrases[term.split()[0]].append(tuple(term.split()))
        facet_words = lexicon.facets()
        self.compare_words = facet_words.get("compare", frozenset())
        self.facet_terms = {name: {self.term(w) for w in ws} for name, ws in facet_words.items() if name != "compare"}
        self.framing = lexicon.framing()
        greeting = "|".join(sorted(lexicon.greetings()))
        # a greeting word, a few more words, then a comma, colon, exclamation mark, full stop or dash
        self.greeting = re.compile(rf"^\W*(?:{greeting})\b[^,:;!?.\n]{{0,30}}?(?:[,:;!.\n]|\s[-\u2013\u2014])+", re.I)
        self.side_terms = self.facet_terms.get("research", set()) | self.facet_terms.get("production", set())
        self.facet_words = set().union(*self.facet_terms.values()) if self.facet_terms else set()

    def content(self, raw: list[str]) -> list[str]:
        """Shorthand expanded, stop words and single letters dropped."""
        out = []
        for w in raw:
            expansion = self.abbrev.get(w)
            if expansion is None and w.endswith("s") and w[:-1] in self.abbrev:
                expansion = self.abbrev[w[:-1]]  # 'reqs', 'recs': the plural of a listed shorthand
            for x in expansion or (w,):
                if x not in self.stop and len(x) > 1:
                    out.append(x)
        return out

    def term(self, word: str) -> str:
        s = self.stem(word)
        return self.fold.get(s, s)

    def info(self, word: str, common: float | None = None, rare: float | None = None) -> float:
        p = self.params
        common = p.zipf_common if common is None else common
        rare = p.zipf_rare if rare is None else rare
        share = (common - self.zipf.get(word, 0.0)) / (common - rare)
        return max(p.info_min, min(1.0, share))

    def foreign(self, word: str) -> float:
        return self.info(word, self.params.foreign_common, self.params.foreign_rare)

    def is_jargon(self, word: str) -> bool:
        stem = self.stem(word)
        return word in self.jargon or (len(stem) >= 4 and stem in self.jargon_stems)
