"""The topic index and ranking: every topic as one document of weighted fields, searched two ways.

Every topic is one document made of fields: title, aliases and phrasings (what people type) weigh most, the
answer, key points and example less. A topic's score is BM25 over those weighted fields (the bank's own rarity
ranks 'drift' above 'model'; everyday commonness discounts a word only mildly here), plus the overlap with the
topic's nearest title, alias or phrasing (shared terms weighted by rarity among the typed strings: a question
worded like one phrasing leans to its topic), plus a bonus for a near-verbatim match (`phrase_scores`).
A multi-word title or alias ('data pipelines') names its topic where it starts, and its words name nothing else.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

from rapidfuzz import fuzz, process

from bot.tutor import lexicon
from bot.tutor.reading.params import Params
from bot.tutor.reading.results import TopicTexts
from bot.tutor.reading.words import Vocabulary, Word, words

_LONG_POSTINGS = 100  # a term in more typed strings than this is too common to lead the nearest-phrasing search


class TopicIndex:
    def __init__(self, topics: list[TopicTexts], vocab: Vocabulary, params: Params) -> None:
        p = self.params = params
        self.topics = [t.id for t in topics]
        term, content = vocab.term, vocab.content
        tf: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        typed_tf: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.choices: list[str] = []
        self.choice_topic: list[str] = []
        self.choice_terms: list[frozenset[str]] = []
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
                for surface in content(words(text)):
                    terms.append(term(surface))
                    spelled[surface] += weight
                for t in set(terms):
                    tf[t][topic.id] += weight
                    if is_typed:
                        typed_tf[t][topic.id] += weight
                if is_typed and terms:
                    self.choices.append(" ".join(terms))
                    self.choice_topic.append(topic.id)
                    self.choice_terms.append(frozenset(terms))
        n = len(self.topics)
        self.tf = {t: dict(per) for t, per in tf.items()}
        self.typed_tf = {t: dict(per) for t, per in typed_tf.items()}
        self.idf: dict[str, float] = {}
        self.sat: dict[str, dict[str, float]] = {}
        self.focus: dict[str, dict[str, float]] = {}
        for t, per_topic in self.tf.items():
            df = sum(min(1.0, c / p.alias_weight) for c in per_topic.values())
            self.idf[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            sat = {tid: c * (p.k1 + 1) / (c + p.k1) for tid, c in per_topic.items()}
            self.sat[t] = sat
            total = sum(sat.values())
            self.focus[t] = {tid: s / total for tid, s in sat.items()}
        # Nearest phrasing: each typed string as a set of terms, weighted by how rare the term is among them.
        n_choices = len(self.choice_terms)
        postings: dict[str, list[int]] = defaultdict(list)
        for idx, terms_of in enumerate(self.choice_terms):
            for t in terms_of:
                postings[t].append(idx)
        self.cidf = {t: math.log(1 + n_choices / len(ix)) for t, ix in postings.items()}
        self.postings = {t: tuple(ix) for t, ix in postings.items()}
        self.choice_mass = [sum(self.cidf[t] for t in terms_of) for terms_of in self.choice_terms]
        # Titles and aliases of two or more words ('data pipelines', 'end users'): such a run in a question names
        # its topic where it starts, and its words name nothing else ('data' there is not the Data topic).
        phrase_topics: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for topic in topics:
            for name in (topic.title, *topic.aliases):
                run = tuple(term(w) for w in content(words(name)))
                if len(run) >= 2:
                    phrase_topics[run].add(topic.id)
        self.name_runs = {run: next(iter(ids)) for run, ids in phrase_topics.items() if len(ids) == 1}
        self.name_run_max = max((len(r) for r in self.name_runs), default=0)
        self.title_terms = {term(w) for topic in topics for w in content(words(topic.title))}
        self.title_terms -= vocab.anchor_terms
        self.typed_best = {t: max(per, key=per.__getitem__) for t, per in self.typed_tf.items()}
        self.on = {
            t: 1.0 if t in self.typed_tf else min(1.0, p.body_on * sum(per.values()) / p.answer_weight)
            for t, per in self.tf.items()
        }
        # Spellings a typo may be fixed to: the bank's words and the synonyms of its terms.
        for group in lexicon.synonym_groups():
            for w in group:
                if term(w) in self.tf:
                    spelled.setdefault(w, 0.0)
        self.spelled: Mapping[str, float] = dict(spelled)
        self.side_terms = vocab.side_terms

    def nearest(self, seen: dict[str, Word]) -> dict[str, float]:
        """Per topic, how closely its nearest title, alias or phrasing shares the question's terms (0..1)."""
        p = self.params
        weights: dict[str, float] = {}
        for w in seen.values():
            if w.term and w.term in self.cidf:
                weight = self.cidf[w.term] * w.similarity * w.info**p.rank_info_power
                if w.term in self.side_terms:
                    weight *= p.side_weight
                weights[w.term] = max(weights.get(w.term, 0.0), weight)
        if not weights:
            return {}
        q_mass = sum(weights.values())
        shared: dict[int, float] = defaultdict(float)
        # Terms most phrasings hold ('model', 'data') are added only where a rarer term already led: a phrasing
        # sharing nothing else is never the nearest one, and walking their long postings is the costly part.
        rare = [t for t in weights if len(self.postings[t]) <= _LONG_POSTINGS]
        common = [t for t in weights if len(self.postings[t]) > _LONG_POSTINGS]
        for t in rare or common:
            weight = weights[t]
            for idx in self.postings[t]:
                shared[idx] += weight
        if rare:
            for idx in shared:
                terms_of = self.choice_terms[idx]
                shared[idx] += sum(weights[t] for t in common if t in terms_of)
        best: dict[str, float] = {}
        for idx, overlap in shared.items():
            sim = overlap / (p.nn_dice * q_mass + (1 - p.nn_dice) * self.choice_mass[idx])
            tid = self.choice_topic[idx]
            if sim > best.get(tid, 0.0):
                best[tid] = sim
        return best

    def phrase_scores(self, terms: str) -> dict[str, float]:
        """Per topic, the best fuzz.ratio (0..1) of the question's terms against a typed string, when close."""
        p = self.params
        best: dict[str, float] = {}
        if not terms:
            return best
        # Ratios under the phrase floor change nothing, so the cutoff only saves time.
        cutoff = 100 * min(p.phrase_floor, p.verbatim_floor)
        for _, score, idx in process.extract(terms, self.choices, scorer=fuzz.ratio, limit=6, score_cutoff=cutoff):
            tid = self.choice_topic[idx]
            best[tid] = max(best.get(tid, 0.0), score / 100)
        return best
