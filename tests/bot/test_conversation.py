"""Conversations with the tutor over HTTP: follow-ups read with the thread's topic, comparisons of two topics,
and machine-learning questions the bank does not cover."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import AskedQuestion
from tests.slack_requests import click, find_element


def mention(slack, fake_slack, text: str, ts: str, thread_ts: str | None, event_id: str) -> dict:
    event = {"type": "app_mention", "channel": "C9", "user": "U2", "text": f"<@UBOT> {text}", "ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    seen = len(fake_slack.of("chat.postMessage"))
    assert slack.event(event, event_id=event_id).status == 200
    return fake_slack.wait_for("chat.postMessage", seen + 1)[seen].params


def wait_logged(sessions, n: int) -> None:
    import time

    deadline = time.monotonic() + 5
    while True:
        with sessions() as s:
            if len(s.scalars(select(AskedQuestion.id)).all()) >= n or time.monotonic() > deadline:
                return
        time.sleep(0.02)


def test_a_follow_up_in_a_thread_is_read_with_the_threads_topic(slack, fake_slack, sessions):
    first = mention(slack, fake_slack, "why do models drift in prod?", "5.0", None, "EvT1")
    assert first["thread_ts"] == "5.0" and first["blocks"][1]["text"]["text"] == "Drift"
    wait_logged(sessions, 1)
    follow = mention(slack, fake_slack, "and in research?", "5.1", "5.0", "EvT2")
    assert follow["thread_ts"] == "5.0"
    assert follow["blocks"][1]["text"]["text"] == "Drift"  # the thread's topic, though the words name none
    assert follow["blocks"][2]["text"]["text"].startswith("*:microscope: In research*")  # led by what was asked
    wait_logged(sessions, 2)
    other = mention(slack, fake_slack, "what about cost?", "5.2", "5.0", "EvT3")
    assert other["blocks"][1]["text"]["text"] == "Cost"  # a follow-up that names its own topic goes there
    # The same words outside that thread have no topic to lean on.
    alone = mention(slack, fake_slack, "and in research?", "7.0", None, "EvT4")
    assert alone["blocks"][1].get("text", {}).get("text") != "Drift"


def test_a_follow_up_in_a_dm_leans_on_the_last_answer_there(slack, fake_slack, sessions):
    def dm(text: str, ts: str, event_id: str) -> dict:
        seen = len(fake_slack.of("chat.postMessage"))
        event = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": text, "ts": ts}
        slack.event(event, event_id=event_id)
        return fake_slack.wait_for("chat.postMessage", seen + 1)[seen].params

    assert dm("latency in production?", "1.0", "EvD1")["blocks"][1]["text"]["text"] == "Latency"
    wait_logged(sessions, 1)
    example = dm("example?", "1.1", "EvD2")
    assert example["blocks"][1]["text"]["text"] == "Latency"
    assert example["blocks"][2]["text"]["text"].startswith("*Example:*")


def test_a_comparison_answers_the_first_topic_and_offers_the_second(slack, fake_slack, ctx):
    body = slack.command("latency vs cost in prod").json()
    assert body["blocks"][1]["text"]["text"] == "Latency"
    block, compare = find_element(body["blocks"], "topic_open:cost")
    assert block["block_id"] == "also" and compare["text"]["text"] == "Compare: Cost"
    slack.block_action(click(block, compare, response_url=fake_slack.response_url("cmp")))
    [shown] = fake_slack.wait_for("response_url")
    assert shown.params["blocks"][0]["text"]["text"] == "Cost" and shown.params["replace_original"] is False


def test_a_machine_learning_question_outside_the_bank_is_not_covered_and_logged(slack, sessions, ctx):
    body = slack.command("what's the difference in hyperparameter tuning").json()
    assert body["text"] == "Not something I cover."
    text = json.dumps(body["blocks"])
    assert "not one I cover" in text and "I don't know that one" not in text
    wait_logged(sessions, 1)
    with sessions() as s:
        row = s.scalars(select(AskedQuestion)).one()
    assert (row.topic, row.band) == (None, "not_covered")  # a gap for `content gaps`, with its own band
