"""The verdict on an analysis: how confident, and so which band. Only this part reads the band constants, so
tuning can reuse analyses.

Confidence (what rejects off-subject chatter and sends vague questions to "did you mean"):
- strength: how much evidence the top topic has, with every word discounted by its everyday commonness except
  the words of topic titles ('data', 'cost'), saturating; one title or alias word is plenty;
- margin: how far the runner-up trails; two topics scoring close together is where wrong answers come from,
  so a runner-up above half the top score pulls confidence down towards 'did you mean';
- subject share: the weight of the question's on-subject words against the words foreign to the subject,
  each weighted by how rare it is in everyday English ('brake' says more than 'left'); foreign words count
  less when the question is plainly about machine learning ('model', 'ml', 'training'...).
A question about machine learning that no topic explains is NOT_COVERED; one about something else is UNKNOWN.
Two topics each named by their own words make a comparison: the one named first answers (unless it scores far
below the top), the others are `also`.
"""

from __future__ import annotations

import math
import re

from bot.tutor.reading.analysis import Analysis
from bot.tutor.reading.params import Params
from bot.tutor.reading.results import Band, Match


def confidence(a: Analysis, p: Params, comparison: bool) -> float:
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


def facet(a: Analysis, followup: bool) -> str | None:
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


def decide(question: str, a: Analysis, topics: list[str], p: Params, context_topic: str | None = None) -> Match:
    """The band, topic and suggestions for one analysis of `question`; `context_topic`: the topic just answered."""
    if context_topic is not None and context_topic not in topics:
        context_topic = None
    if not a.ranked:
        if context_topic and is_followup(a, p):
            return followup(question, a, context_topic, p)
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
    sure = confidence(a, p, comparison=bool(also))
    if context_topic and is_followup(a, p):
        if not a.named:
            return followup(question, a, context_topic, p)
        sure = max(sure, p.confident)  # "what about cost?": a follow-up naming its own topic
    suggestions = tuple(tid for tid, score in a.ranked[:3] if score >= top * 0.4)
    if a.jargon and (top_id not in a.named or a.evidence[top_id] < p.jargon_evidence):
        # 'how do I pick a batch size': the ML term is what it asks about, and no topic explains it
        return Match(question, None, sure, suggestions, Band.NOT_COVERED)
    part = facet(a, followup=False)
    if sure >= p.confident:
        return Match(question, top_id, sure, suggestions, Band.ANSWER, also, part)
    if sure >= p.unsure:
        return Match(question, None, sure, suggestions, Band.DID_YOU_MEAN)
    if a.jargon or (a.anchored and a.on > a.foreign):
        return Match(question, None, sure, suggestions, Band.NOT_COVERED)
    return Match(question, None, sure, (), Band.UNKNOWN)


def is_followup(a: Analysis, p: Params) -> bool:
    return (
        (a.followup_cue or bool(a.facets)) and a.content_words <= p.followup_words and a.foreign <= 0.5 * max(a.on, 0.5)
    )


def followup(question: str, a: Analysis, topic: str, p: Params) -> Match:
    return Match(question, topic, max(p.confident, 0.5), (topic,), Band.ANSWER, (), facet(a, True))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def ask_sentence(question: str) -> str | None:
    """The sentence that asks, when a long message gives context first ('I'm moving to a startup. what
    should I expect ...?'): the last one with a question mark, if there are others before it."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s]
    if len(sentences) < 2:
        return None
    asks = [s for s in sentences if s.rstrip().endswith("?")]
    return asks[-1] if asks and asks[-1] != sentences[0] else None
