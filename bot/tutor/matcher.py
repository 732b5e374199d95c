"""Matches a free-text question to a topic of the bank: pure, built once, no I/O at match time.

Words. A question is normalised (text.py), shorthand is expanded ("prod" -> production), stop words go, and each
word is stemmed (Snowball) and folded through synonym groups, so 'gpus', 'hardware' and 'TPU' are one term. A
word the bank does not know is tried as a typo of a bank word (one edit, two from 7 letters), but only when it is
much rarer in everyday English than the word it would become (wordfreq's Zipf frequencies, a noisy-channel
guess): 'cot' becomes 'cost', 'lunch' stays lunch; a typo of a word we drop ('diffrence') is dropped too. A
greeting that opens the message ("hey team,") is dropped, and the words of a jargon term ('batch size') are that
term, not evidence of a topic. Word lists are data files (bot/tutor/lexicon/).

Ranking. Every topic is one document made of fields: title, aliases and phrasings (what people type) weigh
most, the answer, key points and example less. A topic's score is BM25 over those weighted fields (the bank's
own rarity ranks 'drift' above 'model'; everyday commonness discounts a word only mildly here), plus the
overlap with the topic's nearest title, alias or phrasing (shared terms weighted by rarity among the typed
strings: a question worded like one phrasing leans to its topic), plus a bonus for a near-verbatim match.

Confidence (what rejects off-subject chatter and sends vague questions to "did you mean"):
- strength: how much evidence the top topic has, with every word discounted by its everyday commonness except
  the words of topic titles ('data', 'cost'), saturating; one title or alias word is plenty;
- margin: how far the runner-up trails; two topics scoring close together is where wrong answers come from,
  so a runner-up above half the top score pulls confidence down towards 'did you mean';
- subject share: the weight of the question's on-subject words against the words foreign to the subject,
  each weighted by how rare it is in everyday English ('brake' says more than 'left'); foreign words count
  less when the question is plainly about machine learning ('model', 'ml', 'training'...).
A long message that gives context before it asks is also read for its asking sentence alone (the last one with
a question mark); the surer of the two readings answers. A question about machine learning that no topic
explains is NOT_COVERED; one about something else is UNKNOWN.
Two topics each named by their own words make a comparison: the one named first answers (unless it scores far
below the top), the others are `also`. A multi-word title or alias ('data pipelines') names its topic where it
starts, and its words name nothing else.

Why one long module: words, ranking and confidence are tuned together against the same evaluation sets (a
change to one moves the others' thresholds); split apart, each part's numbers would stop making sense alone.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.tutor import lexicon
from bot.tutor.text import Stemmer, words

MAX_QUESTION_CHARS = 1000  # longer input is cut before matching: cost stays bounded, meaning rarely lives past it
_CACHE_LIMIT = 8192
_LONG_POSTINGS = 100  # a term in more typed strings than this is too common to lead the nearest-phrasing search
FACETS = ("research", "production", "example", "why")


class Band(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NOT_COVERED = "not_covered"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Match:
    question: str
    topic: str | None
    confidence: float
    suggestions: tuple[str, ...]
    band: Band
    also: tuple[str, ...] = ()
    facet: str | None = None

    def as_json(self) -> dict[str, object]:
        """The `lab2prod ask --json` contract: exactly these keys, in this order."""
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
    research: str = ""
    production: str = ""
    key_points: tuple[str, ...] = ()
    example: str = ""


@dataclass(frozen=True)
class Params:
    """Every tunable constant in one place, so cross-validation can try other values (tests/bot/tutor)."""

    title_weight: float = 4.0
    alias_weight: float = 3.0
    phrasing_weight: float = 1.5
    answer_weight: float = 0.5
    key_point_weight: float = 0.4
    example_weight: float = 0.25
    k1: float = 8.0  # BM25 saturation of a topic's weighted term frequency (a title weighs 4)
    strength_scale: float = 5.0  # evidence at which strength reaches 1 - 1/e
    focus_floor: float = 1.0  # confidence kept when the evidence is spread evenly over topics (1: focus unused)
    body_on: float = 0.6  # how on-subject a word counts that the bank uses only in answers
    anchor_discount: float = 0.2  # foreign words weigh this much when the question is plainly about ML
    zipf_common: float = 6.5  # Zipf frequency at which a word weighs info_min ('the', 'what')
    zipf_rare: float = 3.0  # ... and at which it weighs fully ('latency', 'brake')
    info_min: float = 0.1
    title_info: float = 1.0  # a word of a topic's title says at least this much, however common ('data', 'cost')
    rank_info_power: float = 0.25  # how much everyday commonness discounts a bank word's evidence when ranking
    foreign_common: float = 7.0  # the same scale for words foreign to the subject: 'heart' says 'not ML'
    foreign_rare: float = 4.5
    compare_ratio: float = 0.25  # in a comparison the topic named first answers if it scores this share of the top
    margin_floor: float = 0.3  # confidence kept when the runner-up scores as high as the top topic
    margin_full: float = 0.5  # gap (1 - runner-up / top) from which the runner-up no longer lowers confidence
    share_power: float = 2.0
    phrase_weight: float = 1.0
    nn_weight: float = 6.0  # weight of the nearest title, alias or phrasing (term overlap) beside BM25
    nn_dice: float = 0.5  # 1: share of the question's weight a phrasing covers; 0: share of the phrasing's
    phrase_floor: float = 0.6
    verbatim_floor: float = 0.85
    typo_margin: float = 1.0  # a typo's fix must be this much more common (Zipf) than the typed word
    side_weight: float = 0.4
    named_tf: float = 2.5  # weighted use that makes a word name its topic (a title or alias word does)
    named_focus: float = 0.45
    name_info: float = 0.3
    # Band constants (confident, share_power, anchor_discount, margin_floor, margin_full) chosen by
    # tests/bot/tutor/tuning.py on the whole dev set plus the bank's phrasings held out ten-fold.
    confident: float = 0.40
    unsure: float = 0.12
    followup_words: int = 5
    jargon_evidence: float = 4.5  # unexplained jargon outweighs a topic named by less evidence than this
    bank_typo_uses: float = 4.0  # a bank misspelling stands for a spelling used this many times more
    ask_sure: float = 0.9  # a whole long message answered this surely is not read again for its asking sentence


@dataclass
class _Word:
    """What one question word turned out to be."""

    surface: str
    term: str | None = None  # an index term, or None
    similarity: float = 1.0  # below 1 for a typo fix
    info: float = 1.0  # how much it says, by rarity in everyday English
    foreign: float = 1.0  # how much it says against the subject when the bank does not know it
    domain: bool = False  # general ML vocabulary the bank lacks


@dataclass
class _Analysis:
    scores: dict[str, float] = field(default_factory=dict)
    ranked: list[tuple[str, float]] = field(default_factory=list)
    on: float = 0.0
    foreign: float = 0.0
    anchored: bool = False
    named: dict[str, float] = field(default_factory=dict)  # topic -> position of the word that names it
    focus: float = 0.0
    facets: set[str] = field(default_factory=set)
    followup_cue: bool = False
    content_words: int = 0
    jargon: bool = False
    compare: bool = False
    phrases: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # BM25 with full rarity weights


def _fold_table(stem: Stemmer) -> dict[str, str]:
    table: dict[str, str] = {}
    for group in lexicon.synonym_groups():
        head = stem(group[0])
        for word in group:
            table.setdefault(stem(word), head)
    return table


class Matcher:
    def __init__(self, topics: Iterable[TopicTexts], params: Params | None = None) -> None:
        p = self.params = params or Params()
        topics = list(topics)
        self._topics = [t.id for t in topics]
        self._stem = Stemmer(lexicon.stem_exceptions())
        self._stop = lexicon.stopwords()
        self._abbrev = lexicon.abbreviations()
        self._zipf = lexicon.everyday()
        self._fold = _fold_table(self._stem)
        self._anchor_terms = {self._term(w) for w in lexicon.anchors()}
        self._jargon = {w for w in lexicon.glossary() if " " not in w}
        self._jargon_stems = {self._stem(w) for w in self._jargon}
        self._jargon_phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)  # first word -> terms
        for term in lexicon.glossary():
            if " " in term:
                self._jargon_phrases[term.split()[0]].append(tuple(term.split()))
        facet_words = lexicon.facets()
        self._compare_words = facet_words.get("compare", frozenset())
        self._facet_terms = {name: {self._term(w) for w in ws} for name, ws in facet_words.items() if name != "compare"}
        self._framing = lexicon.framing()
        greeting = "|".join(sorted(lexicon.greetings()))
        # a greeting word, a few more words, then a comma, colon, exclamation mark, full stop or dash
        self._greeting = re.compile(rf"^\W*(?:{greeting})\b[^,:;!?.\n]{{0,30}}?(?:[,:;!.\n]|\s[-\u2013\u2014])+", re.I)
        self._side_terms = self._facet_terms.get("research", set()) | self._facet_terms.get("production", set())
        self._facet_words = set().union(*self._facet_terms.values()) if self._facet_terms else set()
        self._lock = threading.Lock()
        self._cache: dict[str, _Word] = {}

        tf: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        typed_tf: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._choices: list[str] = []
        self._choice_topic: list[str] = []
        self._choice_terms: list[frozenset[str]] = []
        spelled: dict[str, float] = defaultdict(float)  # bank spelling -> weighted uses
        for topic in topics:
            typed = [(topic.title, p.title_weight)]
            typed += [(a, p.alias_weight) for a in topic.aliases]
            typed += [(ph, p.phrasing_weight) for ph in topic.phrasings]
            body = [(topic.research, p.answer_weight), (topic.production, p.answer_weight)]
            body += [(k, p.key_point_weight) for k in topic.key_points]
            body += [(topic.example, p.example_weight)]
            for text, weight, is_typed in [(t, w, True) for t, w in typed] + [(t, w, False) for t, w in body]:
                terms = []
                for surface in self._content(words(text)):
                    terms.append(self._term(surface))
                    spelled[surface] += weight
                for term in set(terms):
                    tf[term][topic.id] += weight
                    if is_typed:
                        typed_tf[term][topic.id] += weight
                if is_typed and terms:
                    self._choices.append(" ".join(terms))
                    self._choice_topic.append(topic.id)
                    self._choice_terms.append(frozenset(terms))
        n = len(self._topics)
        self._tf = {t: dict(per) for t, per in tf.items()}
        self._typed_tf = {t: dict(per) for t, per in typed_tf.items()}
        self._idf: dict[str, float] = {}
        self._sat: dict[str, dict[str, float]] = {}
        self._focus: dict[str, dict[str, float]] = {}
        for term, per_topic in self._tf.items():
            df = sum(min(1.0, c / p.alias_weight) for c in per_topic.values())
            self._idf[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            sat = {tid: c * (p.k1 + 1) / (c + p.k1) for tid, c in per_topic.items()}
            self._sat[term] = sat
            total = sum(sat.values())
            self._focus[term] = {tid: s / total for tid, s in sat.items()}
        # Nearest phrasing: each typed string as a set of terms, weighted by how rare the term is among them.
        n_choices = len(self._choice_terms)
        postings: dict[str, list[int]] = defaultdict(list)
        for idx, terms_of in enumerate(self._choice_terms):
            for term in terms_of:
                postings[term].append(idx)
        self._cidf = {t: math.log(1 + n_choices / len(ix)) for t, ix in postings.items()}
        self._postings = {t: tuple(ix) for t, ix in postings.items()}
        self._choice_mass = [sum(self._cidf[t] for t in terms_of) for terms_of in self._choice_terms]
        # Titles and aliases of two or more words ('data pipelines', 'end users'): such a run in a question names
        # its topic where it starts, and its words name nothing else ('data' there is not the Data topic).
        phrase_topics: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for t in topics:
            for name in (t.title, *t.aliases):
                run = tuple(self._term(w) for w in self._content(words(name)))
                if len(run) >= 2:
                    phrase_topics[run].add(t.id)
        self._name_runs = {run: next(iter(ids)) for run, ids in phrase_topics.items() if len(ids) == 1}
        self._name_run_max = max((len(r) for r in self._name_runs), default=0)
        self._title_terms = {self._term(w) for t in topics for w in self._content(words(t.title))}
        self._title_terms -= self._anchor_terms
        self._typed_best = {t: max(per, key=per.__getitem__) for t, per in self._typed_tf.items()}
        self._on = {
            term: 1.0 if term in self._typed_tf else min(1.0, p.body_on * sum(per.values()) / p.answer_weight)
            for term, per in self._tf.items()
        }
        # Spellings a typo may be fixed to: the bank's words and the synonyms of its terms.
        for group in lexicon.synonym_groups():
            for w in group:
                if self._term(w) in self._tf:
                    spelled.setdefault(w, 0.0)
        self._spellings = {w: self._term(w) for w in spelled if len(w) >= 3}
        # A typo keeps its first letter, or swaps the first two: only those spellings are worth comparing.
        self._spellings_from: dict[str, list[str]] = {}
        for key in self._spellings:
            self._spellings_from.setdefault(key[:1], []).append(key)
            self._spellings_from.setdefault(key[:2], []).append(key)
        self._spelling_uses = dict(spelled)
        # Words we drop anyway ('difference', 'between'): a typo of one is dropped too, not counted as foreign.
        self._ignored_keys = sorted(w for w in self._stop | self._framing if len(w) >= 4)

    # --- words -------------------------------------------------------------------------------------------

    def _content(self, raw: list[str]) -> list[str]:
        """Shorthand expanded, stop words and single letters dropped."""
        out = []
        for w in raw:
            expansion = self._abbrev.get(w)
            if expansion is None and w.endswith("s") and w[:-1] in self._abbrev:
                expansion = self._abbrev[w[:-1]]  # 'reqs', 'recs': the plural of a listed shorthand
            for x in expansion or (w,):
                if x not in self._stop and len(x) > 1:
                    out.append(x)
        return out

    def _term(self, word: str) -> str:
        s = self._stem(word)
        return self._fold.get(s, s)

    def _info(self, word: str, common: float | None = None, rare: float | None = None) -> float:
        p = self.params
        common = p.zipf_common if common is None else common
        rare = p.zipf_rare if rare is None else rare
        share = (common - self._zipf.get(word, 0.0)) / (common - rare)
        return max(p.info_min, min(1.0, share))

    def _foreign(self, word: str) -> float:
        return self._info(word, self.params.foreign_common, self.params.foreign_rare)

    def _resolve(self, word: str) -> _Word:
        hit = self._cache.get(word)
        if hit is None:
            hit = self._resolve_uncached(word)
            with self._lock:
                if len(self._cache) < _CACHE_LIMIT:
                    self._cache[word] = hit
        return hit

    def _resolve_uncached(self, word: str) -> _Word:
        info = self._info(word)
        term = self._term(word)
        if term in self._tf:
            fix = self._bank_typo(word, term)
            if fix is not None:
                known, edits = fix
                return _Word(word, self._spellings[known], 1 - edits / (len(word) + 1), self._info(known))
            return _Word(word, term, 1.0, info)
        if self._is_jargon(word) or any(c.isdigit() for c in word):
            number = any(c.isdigit() for c in word)
            return _Word(word, None, 1.0, info, self.params.info_min if number else 1.0, domain=not number)
        fix = self._typo(word)
        if fix is not None:
            known, edits = fix
            return _Word(word, self._spellings[known], 1 - edits / (len(word) + 1), self._info(known))
        if self._typo(word, self._ignored_keys) is not None:
            return _Word(word, None, 1.0, info, foreign=0.0)  # 'diffrence', 'betwen': a frame word, misspelt
        return _Word(word, None, 1.0, info, self._foreign(word))

    def _bank_typo(self, word: str, term: str) -> tuple[str, int] | None:
        """The bank writes some phrasings with typos, as people type them ('reaserch', 'stakehoders'); such a
        misspelling is a term of its own, used once. Asked, it stands for the word it misspells, whose term
        carries the bank's real evidence: no English word, barely used, and a far more used spelling one or two
        edits away. Short words are left alone: 'rnns' is no typo of 'runs'."""
        p = self.params
        used = sum(self._tf[term].values())
        if len(word) < 5 or self._zipf.get(word, 0.0) > 0 or used >= p.alias_weight:
            return None
        fix = self._typo(word, other_than=term)
        if fix is None or sum(self._tf[self._spellings[fix[0]]].values()) < p.bank_typo_uses * used:
            return None
        return fix

    def _is_jargon(self, word: str) -> bool:
        stem = self._stem(word)
        return word in self._jargon or (len(stem) >= 4 and stem in self._jargon_stems)

    def _typo(
        self, word: str, spellings: list[str] | None = None, other_than: str | None = None
    ) -> tuple[str, int] | None:
        """The bank spelling a word is most likely a typo of, if any: close in letters, same first letter (or
        a swap of the first two), and much more common in English than the word as typed. `other_than`: a term
        whose own spellings do not count."""
        if len(word) < 3:
            return None
        max_edits = 1 if len(word) < 7 else 2
        if spellings is None:  # the bank's spellings sharing the first letter, or the first two letters swapped
            swapped = self._spellings_from.get(word[1::-1], []) if word[0] != word[1] else []
            keys = self._spellings_from.get(word[0], []) + swapped
        else:
            keys = spellings
        hits = process.extract(word, keys, scorer=OSA.distance, score_cutoff=max_edits, limit=12)
        typed_zipf = self._zipf.get(word, 0.0)
        best: tuple[float, str, int] | None = None
        for known, edits, _ in hits:
            if other_than is not None and self._spellings.get(known) == other_than:
                continue
            if known[0] != word[0] and known[:2] != word[1::-1]:
                continue
            if len(word) == 3 and len(known) != 4:
                continue  # three letters: only a dropped letter ('cst', 'dat'), never a swap for another word
            prior = max(self._zipf.get(known, 0.0), 3.5)  # a bank word is common in this subject
            if typed_zipf > prior - self.params.typo_margin * edits:
                continue  # 'lunch' is a word of its own, not a typo of 'launch'
            rank = (edits, -self._spelling_uses.get(known, 0.0))
            if best is None or rank < best[:2]:
                best = (*rank, known)  # type: ignore[assignment]
        return None if best is None else (best[2], int(best[0]))  # type: ignore[index, arg-type]

    # --- analysis ----------------------------------------------------------------------------------------

    def _analyse(self, question: str) -> _Analysis:
        p = self.params
        a = _Analysis()
        text = question.strip()[:MAX_QUESTION_CHARS]
        opening = self._greeting.match(text)
        if opening and opening.end() < len(text):
            text = text[opening.end() :]  # "hey team, ..." / "morning all - ...": the greeting names no topic
        raw = words(text)
        while raw and raw[0] in self._framing | self._stop:
            raw = raw[1:]
        a.compare = any(w in self._compare_words for w in raw)
        inside = {
            j
            for i, first in enumerate(raw)
            for ph in self._jargon_phrases.get(first, ())
            if tuple(raw[i : i + len(ph)]) == ph
            for j in range(i, i + len(ph))
        }
        a.jargon = bool(inside)
        if inside:
            # 'batch size', 'learning rate': the words of a jargon term are that term, no evidence of a topic
            a.on += sum(self._info(raw[j]) for j in inside)
            raw = [w for j, w in enumerate(raw) if j not in inside]
        content: list[str] = []
        breaks: set[int] = set()  # content positions a comparison word ('vs') comes before: no name runs across
        for w in raw:
            if w in self._compare_words:
                breaks.add(len(content))
            content += self._content([w])
        a.content_words = len(content)
        seen: dict[str, _Word] = {}
        order: dict[str, int] = {}
        sequence: list[str | None] = []
        for i, surface in enumerate(content):
            w = self._resolve(surface)
            key = w.term or surface
            sequence.append(w.term)
            if key not in seen or w.similarity > seen[key].similarity:
                seen[key] = w
                order.setdefault(key, i)
        claimed: set[int] = set()
        for i in range(len(sequence)):
            for size in range(min(self._name_run_max, len(sequence) - i), 1, -1):
                if any(j in breaks for j in range(i + 1, i + size)):
                    continue
                tid = self._name_runs.get(tuple(sequence[i : i + size]))  # type: ignore[arg-type]
                if tid is not None and i not in claimed:
                    a.named[tid] = min(a.named.get(tid, 1e9), i)
                    claimed.update(range(i, i + size))
                    break
        scores: dict[str, float] = defaultdict(float)
        focused: dict[str, float] = defaultdict(float)
        jargon_terms: set[str] = set()
        for key, w in seen.items():
            term = w.term
            for name, terms in self._facet_terms.items():
                if term in terms or self._term(w.surface) in terms:
                    if name == "followup":
                        a.followup_cue = True
                    else:
                        a.facets.add(name)
            if term in self._anchor_terms or term in self._side_terms or self._term(w.surface) in self._anchor_terms:
                a.anchored = True
            if term is None:
                if w.domain:
                    a.on += w.info
                    a.jargon = True
                elif w.surface not in self._compare_words and self._term(w.surface) not in self._facet_words:
                    a.foreign += w.foreign  # a frame word the bank lacks ('tradeoff', 'versus') is not foreign
                continue
            on = self._on[term]
            a.on += w.info * on
            a.foreign += w.info * (1 - on)
            if self._is_jargon(w.surface):
                jargon_terms.add(term)
            weight = self._idf[term] * w.similarity
            # Frame words ('research', 'why', 'example') and the commonest words ('what') name no topic.
            names = term not in self._facet_words and w.info >= p.name_info
            if term in self._anchor_terms:
                names = False  # 'ml', 'model': the subject of every question, the name of no topic
            if term in self._side_terms:
                weight *= p.side_weight  # 'research', 'industry': every question's frame, weak evidence of a topic
            rank_weight = weight * w.info**p.rank_info_power
            weight *= max(w.info, p.title_info) if term in self._title_terms else w.info
            for tid, sat in self._sat[term].items():
                evidence = rank_weight * sat
                scores[tid] += evidence
                a.evidence[tid] += weight * sat
                focused[tid] += evidence * self._focus[term][tid]
                typed = self._typed_tf.get(term, {}).get(tid, 0.0)
                best = tid == self._typed_best.get(term)
                if (
                    names
                    and order[key] not in claimed
                    and typed >= p.named_tf
                    and (best or self._focus[term][tid] >= p.named_focus)
                ):
                    a.named[tid] = min(a.named.get(tid, 1e9), order[key])
        if not scores:
            return a
        if p.nn_weight:
            for tid, sim in self._nearest(seen).items():
                if tid in scores:
                    scores[tid] += p.nn_weight * sim
        phrases = self._phrase_scores(
            " ".join(w.term for w in seen.values() if w.term and w.term not in self._side_terms and w.info > p.info_min)
        )
        for tid, ratio in phrases.items():
            if tid in scores:
                bonus = p.phrase_weight * max(0.0, ratio - p.phrase_floor) / (1 - p.phrase_floor)
                scores[tid] += bonus
                a.evidence[tid] += bonus
        a.phrases = phrases
        a.scores = dict(scores)
        a.ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        top = a.ranked[0][0]
        # Jargon the top topic's own title, aliases or phrasings use is explained by it; other jargon is not.
        if any(not self._typed_tf.get(t, {}).get(top) for t in jargon_terms):
            a.jargon = True
        raw_top = scores[top] - p.phrase_weight * max(0.0, phrases.get(top, 0.0) - p.phrase_floor) / (
            1 - p.phrase_floor
        )
        a.focus = focused[top] / raw_top if raw_top > 0 else 1.0
        return a

    def _nearest(self, seen: dict[str, _Word]) -> dict[str, float]:
        """Per topic, how closely its nearest title, alias or phrasing shares the question's terms (0..1)."""
        p = self.params
        weights: dict[str, float] = {}
        for w in seen.values():
            if w.term and w.term in self._cidf:
                weight = self._cidf[w.term] * w.similarity * w.info**p.rank_info_power
                if w.term in self._side_terms:
                    weight *= p.side_weight
                weights[w.term] = max(weights.get(w.term, 0.0), weight)
        if not weights:
            return {}
        q_mass = sum(weights.values())
        shared: dict[int, float] = defaultdict(float)
        # Terms most phrasings hold ('model', 'data') are added only where a rarer term already led: a phrasing
        # sharing nothing else is never the nearest one, and walking their long postings is the costly part.
        rare = [t for t in weights if len(self._postings[t]) <= _LONG_POSTINGS]
        common = [t for t in weights if len(self._postings[t]) > _LONG_POSTINGS]
        for term in rare or common:
            weight = weights[term]
            for idx in self._postings[term]:
                shared[idx] += weight
        if rare:
            for idx in shared:
                terms_of = self._choice_terms[idx]
                shared[idx] += sum(weights[t] for t in common if t in terms_of)
        best: dict[str, float] = {}
        for idx, common in shared.items():
            sim = common / (p.nn_dice * q_mass + (1 - p.nn_dice) * self._choice_mass[idx])
            tid = self._choice_topic[idx]
            if sim > best.get(tid, 0.0):
                best[tid] = sim
        return best

    def _phrase_scores(self, terms: str) -> dict[str, float]:
        p = self.params
        best: dict[str, float] = {}
        if not terms:
            return best
        # Ratios under the phrase floor change nothing, so the cutoff only saves time.
        cutoff = 100 * min(p.phrase_floor, p.verbatim_floor)
        for _, score, idx in process.extract(terms, self._choices, scorer=fuzz.ratio, limit=6, score_cutoff=cutoff):
            tid = self._choice_topic[idx]
            best[tid] = max(best.get(tid, 0.0), score / 100)
        return best

    # --- verdict -----------------------------------------------------------------------------------------

    def _confidence(self, a: _Analysis, comparison: bool) -> float:
        p = self.params
        top = a.ranked[0][1]
        strength = 1 - math.exp(-a.evidence[a.ranked[0][0]] / p.strength_scale)
        focus = 1.0 if comparison else p.focus_floor + (1 - p.focus_floor) * min(1.0, a.focus)
        runner_up = a.ranked[1][1] if len(a.ranked) > 1 and not comparison else 0.0
        gap = min(1.0, max(0.0, top - runner_up) / top / p.margin_full)
        margin = p.margin_floor + (1 - p.margin_floor) * gap
        foreign = a.foreign * (p.anchor_discount if a.anchored else 1.0)
        share = (a.on / (a.on + foreign) if a.on + foreign > 0 else 0.0) ** p.share_power
        # A near-verbatim title, alias or phrasing is its own evidence, however common its words are.
        verbatim = max(0.0, a.phrases.get(a.ranked[0][0], 0.0) - p.verbatim_floor) / (1 - p.verbatim_floor)
        return max(0.0, min(1.0, max(strength * focus * margin, verbatim) * share))

    @staticmethod
    def _facet(a: _Analysis, followup: bool) -> str | None:
        """The part of an answer a question asks for first. One side of the contrast only in a follow-up ("and in
        research?"): a first question that mentions production ("why do models drift in prod") wants both."""
        if "example" in a.facets:
            return "example"
        sides = a.facets & {"research", "production"}
        if len(sides) == 1 and followup:
            return next(iter(sides))
        if "why" in a.facets and followup:
            return "why"
        return None

    def match(self, question: str, context_topic: str | None = None) -> Match:
        whole = self._decide(question, self._analyse(question), context_topic)
        ask = _ask_sentence(question)
        if ask is None or (whole.band is Band.ANSWER and whole.confidence >= self.params.ask_sure):
            return whole
        asked = self._decide(question, self._analyse(ask), context_topic)
        if asked.band is Band.ANSWER and asked.confidence > whole.confidence:
            return asked
        return whole

    def _decide(self, question: str, a: _Analysis, context_topic: str | None = None) -> Match:
        """The verdict on an analysis: only this part reads the band constants, so tuning can reuse analyses."""
        p = self.params
        if context_topic is not None and context_topic not in self._topics:
            context_topic = None
        if not a.ranked:
            if context_topic and self._is_followup(a):
                return self._followup(question, a, context_topic)
            band = Band.NOT_COVERED if a.jargon or (a.anchored and a.on > a.foreign) else Band.UNKNOWN
            return Match(question, None, 0.0, (), band)
        top_id, top = a.ranked[0]
        named = sorted(a.named, key=lambda tid: (-a.scores[tid], a.named[tid]))
        also: tuple[str, ...] = ()
        if a.compare and len(named) >= 2:
            # A comparison names each topic with its own words: that is no ambiguity. The topic named first
            # answers unless it scores far below the top ("latency vs cost" is about latency, then cost).
            first = min(named, key=lambda tid: a.named[tid])
            if first != top_id and a.scores[first] >= p.compare_ratio * top:
                top_id, top = first, a.scores[first]
                a.ranked.sort(key=lambda kv: kv[0] != top_id)
            if top_id in named:
                also = tuple(t for t in named if t != top_id)
        confidence = self._confidence(a, comparison=bool(also))
        if context_topic and self._is_followup(a):
            if not a.named:
                return self._followup(question, a, context_topic)
            confidence = max(confidence, p.confident)  # "what about cost?": a follow-up naming its own topic
        suggestions = tuple(tid for tid, score in a.ranked[:3] if score >= top * 0.4)
        if a.jargon and (top_id not in a.named or a.evidence[top_id] < p.jargon_evidence):
            # 'how do I pick a batch size': the ML term is what it asks about, and no topic explains it
            return Match(question, None, confidence, suggestions, Band.NOT_COVERED)
        facet = self._facet(a, followup=False)
        if confidence >= p.confident:
            return Match(question, top_id, confidence, suggestions, Band.ANSWER, also, facet)
        if confidence >= p.unsure:
            return Match(question, None, confidence, suggestions, Band.DID_YOU_MEAN)
        if a.jargon or (a.anchored and a.on > a.foreign):
            return Match(question, None, confidence, suggestions, Band.NOT_COVERED)
        return Match(question, None, confidence, (), Band.UNKNOWN)

    def _is_followup(self, a: _Analysis) -> bool:
        return (
            (a.followup_cue or bool(a.facets))
            and a.content_words <= self.params.followup_words
            and a.foreign <= 0.5 * max(a.on, 0.5)
        )

    def _followup(self, question: str, a: _Analysis, topic: str) -> Match:
        return Match(question, topic, max(self.params.confident, 0.5), (topic,), Band.ANSWER, (), self._facet(a, True))

    @property
    def topic_ids(self) -> list[str]:
        return list(self._topics)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _ask_sentence(question: str) -> str | None:
    """The sentence that asks, when a long message gives context first ('I'm moving to a startup. what
    should I expect ...?'): the last one with a question mark, if there are others before it."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s]
    if len(sentences) < 2:
        return None
    asks = [s for s in sentences if s.rstrip().endswith("?")]
    return asks[-1] if asks and asks[-1] != sentences[0] else None


def _texts(t: object) -> TopicTexts:
    if isinstance(t, TopicTexts):
        return t
    return TopicTexts(
        t.id,  # type: ignore[attr-defined]
        t.title,  # type: ignore[attr-defined]
        tuple(t.aliases),  # type: ignore[attr-defined]
        tuple(t.phrasings),  # type: ignore[attr-defined]
        t.answer.research,  # type: ignore[attr-defined]
        t.answer.production,  # type: ignore[attr-defined]
        tuple(t.key_points),  # type: ignore[attr-defined]
        t.example,  # type: ignore[attr-defined]
    )


def build_matcher(topics: Mapping[str, object] | Iterable[object], params: Params | None = None) -> Matcher:
    """Build from TopicTexts, or from the content models (anything with the same attributes)."""
    items = topics.values() if isinstance(topics, Mapping) else topics
    return Matcher([_texts(t) for t in items], params)
