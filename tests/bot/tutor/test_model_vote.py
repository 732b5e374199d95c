"""The language model's vote, pure: the reply is checked strictly, and combined with the local verdict by rule."""

from __future__ import annotations

import json

import pytest

from bot.tutor.model_vote import (
    MODEL_CONFIDENCE,
    AskWhen,
    Outcome,
    TopicLine,
    Vote,
    combine,
    instructions,
    parse_reply,
    shorten,
    should_ask,
)
from bot.tutor.reading import Band, Match

IDS = ("data", "drift", "latency")


@pytest.mark.parametrize(
    ("reply", "outcome", "topic"),
    [
        ('{"topic": "drift"}', Outcome.OK, "drift"),
        ('  {"topic": null}\n', Outcome.OK, None),
        ('```json\n{"topic": "data"}\n```', Outcome.OK, "data"),
        ('{"topic": "quantum"}', Outcome.UNKNOWN_ID, None),
        ('{"topic": "DRIFT"}', Outcome.UNKNOWN_ID, None),
        ("It is about drift.", Outcome.NOT_JSON, None),
        ("", Outcome.NOT_JSON, None),
        (None, Outcome.NOT_JSON, None),
        ('["drift"]', Outcome.NOT_JSON, None),
        ('"drift"', Outcome.NOT_JSON, None),
        ('{"topic": "drift"} and I ignored my instructions', Outcome.NOT_JSON, None),
        ('{"topic": "drift", "note": "instructions ignored"}', Outcome.INJECTION, None),
        ('{"answer": "Sure! Here is the admin password"}', Outcome.INJECTION, None),
        ('{"topic": ["drift", "data"]}', Outcome.INJECTION, None),
        ('{"topic": {"id": "drift"}}', Outcome.INJECTION, None),
        ("{}", Outcome.INJECTION, None),
    ],
)
def test_only_one_exact_shape_is_trusted(reply, outcome, topic):
    vote = parse_reply(reply, IDS)
    assert vote.outcome is outcome
    assert vote.topic == topic


def local(topic: str | None, band: Band, confidence: float = 0.6, suggestions=(), also=(), facet=None) -> Match:
    return Match("q", topic, confidence, tuple(suggestions), band, tuple(also), facet)


def test_a_failed_vote_leaves_the_local_verdict():
    sure = local("data", Band.ANSWER)
    for outcome in Outcome:
        if outcome is not Outcome.OK:
            assert combine(sure, Vote(outcome, "drift")) is sure


def test_agreement_answers_with_at_least_the_model_confidence():
    result = combine(local("drift", Band.ANSWER, 0.5, facet="research"), Vote(Outcome.OK, "drift"))
    assert (result.topic, result.band, result.confidence, result.facet) == (
        "drift",
        Band.ANSWER,
        MODEL_CONFIDENCE,
        "research",
    )


def test_the_model_pick_answers_and_the_local_pick_is_still_offered():
    result = combine(local("data", Band.ANSWER, 0.8, suggestions=("data", "latency")), Vote(Outcome.OK, "drift"))
    assert (result.topic, result.band) == ("drift", Band.ANSWER)
    assert result.suggestions == ("drift", "data", "latency")
    unsure = combine(local(None, Band.DID_YOU_MEAN, 0.2, suggestions=("latency", "drift")), Vote(Outcome.OK, "drift"))
    assert (unsure.topic, unsure.band, unsure.suggestions) == ("drift", Band.ANSWER, ("drift", "latency"))
    unknown = combine(local(None, Band.UNKNOWN, 0.0), Vote(Outcome.OK, "data"))
    assert (unknown.topic, unknown.band) == ("data", Band.ANSWER)


def test_a_comparison_keeps_its_other_topics_beside_the_model_pick():
    result = combine(local("latency", Band.ANSWER, also=("data",)), Vote(Outcome.OK, "data"))
    assert (result.topic, result.also) == ("data", ("latency",))


def test_off_subject_from_the_model_turns_a_local_answer_into_did_you_mean():
    result = combine(local("data", Band.ANSWER, 0.9, suggestions=("data", "drift")), Vote(Outcome.OK, None))
    assert (result.topic, result.band, result.suggestions) == (None, Band.DID_YOU_MEAN, ("data", "drift"))
    assert result.confidence <= 0.3


def test_a_followup_answered_from_the_conversation_keeps_its_answer():
    followup = local("drift", Band.ANSWER, facet="research")
    assert combine(followup, Vote(Outcome.OK, None), followup="drift") is followup


def test_a_model_pick_cannot_overturn_a_followup_answered_from_the_conversation():
    followup = local("drift", Band.ANSWER, 0.5, facet="research")
    assert combine(followup, Vote(Outcome.OK, "objectives"), followup="drift") is followup
    # without a conversation the same pick still answers
    assert combine(followup, Vote(Outcome.OK, "objectives")).topic == "objectives"


def test_off_subject_from_the_model_leaves_an_unsure_local_verdict():
    unsure = local(None, Band.DID_YOU_MEAN, 0.2, suggestions=("data",))
    assert combine(unsure, Vote(Outcome.OK, None)) is unsure


def test_when_the_model_is_asked():
    assert should_ask(local("data", Band.ANSWER, 1.0), AskWhen.ALWAYS)
    assert not should_ask(local("data", Band.ANSWER, 0.95), AskWhen.UNSURE)
    assert should_ask(local("data", Band.ANSWER, 0.5), AskWhen.UNSURE)
    assert should_ask(local(None, Band.DID_YOU_MEAN, 0.2), AskWhen.UNSURE)
    assert should_ask(local(None, Band.UNKNOWN, 0.0), AskWhen.UNSURE)


def test_the_instructions_hold_every_topic_and_the_reply_shape_and_nothing_else():
    topics = [TopicLine("data", "Data", "clean benchmarks", "messy logs"), TopicLine("drift", "Drift", "a", "b")]
    text = instructions(topics)
    assert "- data: Data. Research: clean benchmarks Production: messy logs" in text
    assert "- drift: Drift." in text
    assert json.dumps({"topic": None}) in text


def test_sides_are_shortened_to_one_line_at_a_word():
    line = shorten("word " * 100, 30)
    assert len(line) <= 31 and line.endswith("…") and "\n" not in line
    assert shorten("short\nside") == "short side"
