"""Spelling: what a question word turns out to be, typos fixed towards the bank's own spellings.

A word the bank does not know is tried as a typo of a bank word (one edit, two from 7 letters), but only when it
is much rarer in everyday English than the word it would become (a noisy-channel guess on Zipf frequencies):
'cot' becomes 'cost', 'lunch' stays lunch; a typo of a word we drop ('diffrence') is dropped too.
"""

from __future__ import annotations

import threading

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.tutor.reading.index import TopicIndex
from bot.tutor.reading.words import Vocabulary, Word

_CACHE_LIMIT = 8192


class Spelling:
    def __init__(self, vocab: Vocabulary, index: TopicIndex) -> None:
        self.vocab = vocab
        self.index = index
        self.spellings = {w: vocab.term(w) for w in index.spelled if len(w) >= 3}
        # A typo keeps its first letter, or swaps the first two: only those spellings are worth comparing.
        self.spellings_from: dict[str, list[str]] = {}
        for key in self.spellings:
            self.spellings_from.setdefault(key[:1], []).append(key)
            self.spellings_from.setdefault(key[:2], []).append(key)
        self.spelling_uses = dict(index.spelled)
        # Words we drop anyway ('difference', 'between'): a typo of one is dropped too, not counted as foreign.
        self.ignored_keys = sorted(w for w in vocab.stop | vocab.framing if len(w) >= 4)
        self._lock = threading.Lock()
        self._cache: dict[str, Word] = {}

    def resolve(self, word: str) -> Word:
        hit = self._cache.get(word)
        if hit is None:
            hit = self._resolve_uncached(word)
            with self._lock:
                if len(self._cache) < _CACHE_LIMIT:
                    self._cache[word] = hit
        return hit

    def _resolve_uncached(self, word: str) -> Word:
        v = self.vocab
        info = v.info(word)
        term = v.term(word)
        if term in self.index.tf:
            fix = self.bank_typo(word, term)
            if fix is not None:
                known, edits = fix
                return Word(word, self.spellings[known], 1 - edits / (len(word) + 1), v.info(known))
            return Word(word, term, 1.0, info)
        if v.is_jargon(word) or any(c.isdigit() for c in word):
            number = any(c.isdigit() for c in word)
            return Word(word, None, 1.0, info, v.params.info_min if number else 1.0, domain=not number)
        fix = self.typo(word)
        if fix is not None:
            known, edits = fix
            return Word(word, self.spellings[known], 1 - edits / (len(word) + 1), v.info(known))
        if self.typo(word, self.ignored_keys) is not None:
            return Word(word, None, 1.0, info, foreign=0.0)  # 'diffrence', 'betwen': a frame word, misspelt
        return Word(word, None, 1.0, info, v.foreign(word))

    def bank_typo(self, word: str, term: str) -> tuple[str, int] | None:
        """The bank writes some phrasings with typos, as people type them ('reaserch', 'stakehoders'); such a
        misspelling is a term of its own, used once. Asked, it stands for the word it misspells, whose term
        carries the bank's real evidence: no English word, barely used, and a far more used spelling one or two
        edits away. Short words are left alone: 'rnns' is no typo of 'runs'."""
        p = self.vocab.params
        tf = self.index.tf
        used = sum(tf[term].values())
        if len(word) < 5 or self.vocab.zipf.get(word, 0.0) > 0 or used >= p.alias_weight:
            return None
        fix = self.typo(word, other_than=term)
        if fix is None or sum(tf[self.spellings[fix[0]]].values()) < p.bank_typo_uses * used:
            return None
        return fix

    def typo(
        self, word: str, spellings: list[str] | None = None, other_than: str | None = None
    ) -> tuple[str, int] | None:
        """The bank spelling a word is most likely a typo of, if any: close in letters, same first letter (or
        a swap of the first two), and much more common in English than the word as typed. `other_than`: a term
        whose own spellings do not count."""
        if len(word) < 3:
            return None
        max_edits = 1 if len(word) < 7 else 2
        if spellings is None:  # the bank's spellings sharing the first letter, or the first two letters swapped
            swapped = self.spellings_from.get(word[1::-1], []) if word[0] != word[1] else []
            keys = self.spellings_from.get(word[0], []) + swapped
        else:
            keys = spellings
        hits = process.extract(word, keys, scorer=OSA.distance, score_cutoff=max_edits, limit=12)
        zipf = self.vocab.zipf
        typed_zipf = zipf.get(word, 0.0)
        best: tuple[float, str, int] | None = None
        for known, edits, _ in hits:
            if other_than is not None and self.spellings.get(known) == other_than:
                continue
            if known[0] != word[0] and known[:2] != word[1::-1]:
                continue
            if len(word) == 3 and len(known) != 4:
                continue  # three letters: only a dropped letter ('cst', 'dat'), never a swap for another word
            prior = max(zipf.get(known, 0.0), 3.5)  # a bank word is common in this subject
            if typed_zipf > prior - self.vocab.params.typo_margin * edits:
                continue  # 'lunch' is a word of its own, not a typo of 'launch'
            rank = (edits, -self.spelling_uses.get(known, 0.0))
            if best is None or rank < best[:2]:
                best = (*rank, known)  # type: ignore[assignment]
        return None if best is None else (best[2], int(best[0]))  # type: ignore[index, arg-type]
