"""Analysis: one reading of a question, everything the verdict needs and nothing it decides.

Two topics each named by their own words make a comparison (`compare`, `named`); jargon no topic explains is
flagged (`jargon`); the weight of on-subject words against words foreign to the subject (`on`, `foreign`) is what
tells a machine-learning question from chatter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.tutor.reading.index import TopicIndex
from bot.tutor.reading.spelling import Spelling
from bot.tutor.reading.words import Vocabulary, Word, words

MAX_QUESTION_CHARS = 1000  # longer input is cut before matching: cost stays bounded, meaning rarely lives past it


@dataclass
class Analysis:
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


def analyse(question: str, vocab: Vocabulary, spelling: Spelling, index: TopicIndex) -> Analysis:
    """What the question says: its words resolved, every topic scored, the cues the verdict weighs."""
    p = index.params
    a = Analysis()
    text = question.strip()[:MAX_QUESTION_CHARS]
    opening = vocab.greeting.match(text)
    if opening and opening.end() < len(text):
        text = text[opening.end() :]  # "hey team, ..." / "morning all - ...": the greeting names no topic
    raw = words(text)
    while raw and raw[0] in vocab.framing | vocab.stop:
        raw = raw[1:]
    a.compare = any(w in vocab.compare_words for w in raw)
    inside = {
        j
        for i, first in enumerate(raw)
        for ph in vocab.jargon_phrases.get(first, ())
        if tuple(raw[i : i + len(ph)]) == ph
        for j in range(i, i + len(ph))
    }
    a.jargon = bool(inside)
    if inside:
        # 'batch size', 'learning rate': the words of a jargon term are that term, no evidence of a topic
        a.on += sum(vocab.info(raw[j]) for j in inside)
        raw = [w for j, w in enumerate(raw) if j not in inside]
    content: list[str] = []
    breaks: set[int] = set()  # content positions a comparison word ('vs') comes before: no name runs across
    for w in raw:
        if w in vocab.compare_words:
            breaks.add(len(content))
        content += vocab.content([w])
    a.content_words = len(content)
    seen: dict[str, Word] = {}
    order: dict[str, int] = {}
    sequence: list[str | None] = []
    for i, surface in enumerate(content):
        w = spelling.resolve(surface)
        key = w.term or surface
        sequence.append(w.term)
        if key not in seen or w.similarity > seen[key].similarity:
            seen[key] = w
            order.setdefault(key, i)
    claimed: set[int] = set()
    for i in range(len(sequence)):
        for size in range(min(index.name_run_max, len(sequence) - i), 1, -1):
            if any(j in breaks for j in range(i + 1, i + size)):
                continue
            tid = index.name_runs.get(tuple(sequence[i : i + size]))  # type: ignore[arg-type]
            if tid is not None and i not in claimed:
                a.named[tid] = min(a.named.get(tid, 1e9), i)
                claimed.update(range(i, i + size))
                break
    scores: dict[str, float] = defaultdict(float)
    focused: dict[str, float] = defaultdict(float)
    jargon_terms: set[str] = set()
    for key, w in seen.items():
        term = w.term
        for name, terms in vocab.facet_terms.items():
            if term in terms or vocab.term(w.surface) in terms:
                if name == "followup":
                    a.followup_cue = True
                else:
                    a.facets.add(name)
        if term in vocab.anchor_terms or term in vocab.side_terms or vocab.term(w.surface) in vocab.anchor_terms:
            a.anchored = True
        if term is None:
            if w.domain:
                a.on += w.info
                a.jargon = True
            elif w.surface not in vocab.compare_words and vocab.term(w.surface) not in vocab.facet_words:
                a.foreign += w.foreign  # a frame word the bank lacks ('tradeoff', 'versus') is not foreign
            continue
        on = index.on[term]
        a.on += w.info * on
        a.foreign += w.info * (1 - on)
        if vocab.is_jargon(w.surface):
            jargon_terms.add(term)
        weight = index.idf[term] * w.similarity
        # Frame words ('research', 'why', 'example') and the commonest words ('what') name no topic.
        names = term not in vocab.facet_words and w.info >= p.name_info
        if term in vocab.anchor_terms:
            names = False  # 'ml', 'model': the subject of every question, the name of no topic
        if term in vocab.side_terms:
            weight *= p.side_weight  # 'research', 'industry': every question's frame, weak evidence of a topic
        rank_weight = weight * w.info**p.rank_info_power
        weight *= max(w.info, p.title_info) if term in index.title_terms else w.info
        for tid, sat in index.sat[term].items():
            evidence = rank_weight * sat
            scores[tid] += evidence
            a.evidence[tid] += weight * sat
            focused[tid] += evidence * index.focus[term][tid]
            typed = index.typed_tf.get(term, {}).get(tid, 0.0)
            best = tid == index.typed_best.get(term)
            if (
                names
                and order[key] not in claimed
                and typed >= p.named_tf
                and (best or index.focus[term][tid] >= p.named_focus)
            ):
                a.named[tid] = min(a.named.get(tid, 1e9), order[key])
    if not scores:
        return a
    if p.nn_weight:
        for tid, sim in index.nearest(seen).items():
            if tid in scores:
                scores[tid] += p.nn_weight * sim
    phrases = index.phrase_scores(
        " ".join(w.term for w in seen.values() if w.term and w.term not in vocab.side_terms and w.info > p.info_min)
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
    if any(not index.typed_tf.get(t, {}).get(top) for t in jargon_terms):
        a.jargon = True
    raw_top = scores[top] - p.phrase_weight * max(0.0, phrases.get(top, 0.0) - p.phrase_floor) / (1 - p.phrase_floor)
    a.focus = focused[top] / raw_top if raw_top > 0 else 1.0
    return a
