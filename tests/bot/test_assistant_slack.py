"""The tutor in Slack's split view ("Agents & AI apps"): the real app over HTTP, signed requests, a fake Slack
that records the assistant.threads.* calls."""

from __future__ import annotations

import json
import time
from dataclasses import replace

from sqlalchemy import select

from bot.blocks.assistant_blocks import EXPLAIN_QUIZ_TITLE, LOOKING, WEAK_TITLE, WELCOME_TITLE
from bot.services.asking import assistant, recovery
from bot.services.asking.questions import Asked
from bot.services.quiz import channels, posting, practice, reveals
from bot.tutor.reading import Band
from storage.models import AskedQuestion, ProcessedEvent, QuizPost
from tests.slack_requests import find_element

DM, THREAD = "D1", "1700000100.000100"
SET_PROMPTS, SET_STATUS, SET_TITLE = (
    "assistant.threads.setSuggestedPrompts",
    "assistant.threads.setStatus",
    "assistant.threads.setTitle",
)


def thread_event(kind: str = "assistant_thread_started", context_channel: str | None = None, **kw) -> dict:
    context = {"channel_id": context_channel, "team_id": "T1"} if context_channel else {}
    return {
        "type": kind,
        "assistant_thread": {
            "user_id": kw.get("user", "U1"),
            "context": context,
            "channel_id": DM,
            "thread_ts": kw.get("thread_ts", THREAD),
        },
        "event_ts": "1700000100.000200",
    }


def in_thread(text: str, ts: str, *, thread_ts: str = THREAD, user: str = "U1") -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": DM,
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
    }


def ask(slack, fake_slack, text: str, ts: str, event_id: str, **kw) -> dict:
    seen = len(fake_slack.of("chat.postMessage"))
    assert slack.event(in_thread(text, ts, **kw), event_id=event_id).status == 200
    return fake_slack.wait_for("chat.postMessage", seen + 1)[seen].params


def prompts_set(slack, fake_slack, event: dict, event_id: str) -> dict:
    seen = len(fake_slack.of(SET_PROMPTS))
    assert slack.event(event, event_id=event_id).status == 200
    return fake_slack.wait_for(SET_PROMPTS, seen + 1)[seen].params


def logged(sessions, n: int) -> list[AskedQuestion]:
    deadline = time.monotonic() + 5
    while True:
        with sessions() as s:
            rows = s.scalars(select(AskedQuestion).order_by(AskedQuestion.id)).all()
        if len(rows) >= n or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


def test_a_new_thread_gets_prompts_from_the_bank_that_the_tutor_answers(slack, fake_slack, ctx):
    params = prompts_set(slack, fake_slack, thread_event(), "EvA1")
    assert (params["channel_id"], params["thread_ts"], params["title"]) == (DM, THREAD, WELCOME_TITLE)
    prompts = params["prompts"]
    assert len(prompts) == 3 and len({p["message"] for p in prompts}) == 3
    for prompt in prompts:
        match = ctx.matcher.match(prompt["message"])
        assert match.band is Band.ANSWER and ctx.bank.topics[match.topic].title in prompt["title"]
    # Nothing else: no greeting, and none of Bolt's default context store (conversations.replies, chat.update).
    time.sleep(0.2)
    assert {c.method for c in fake_slack.calls} == {SET_PROMPTS}
    # Other threads draw their own prompts from the bank.
    drawn = {
        json.dumps(prompts_set(slack, fake_slack, thread_event(thread_ts=f"17000002{i}.0001"), f"EvA{i}")["prompts"])
        for i in range(2, 6)
    }
    assert len(drawn | {json.dumps(prompts)}) > 1


def test_every_topic_of_the_bank_makes_a_prompt_the_matcher_answers_with_that_topic(ctx):
    from bot.blocks.assistant_blocks import topic_prompt

    for topic in ctx.bank.topics.values():
        for weak in (False, True):
            match = ctx.matcher.match(topic_prompt(topic, weak)["message"])
            assert (match.band, match.topic) == (Band.ANSWER, topic.id)


def test_once_the_person_has_answers_the_prompts_follow_their_weakest_topics(slack, fake_slack, ctx):
    def miss(topic: str, times: int) -> None:
        picked = [q for q in ctx.bank.questions if q.topic == topic and q.kind == "single"][:times]
        for q in picked:
            wrong = next(i for i, o in enumerate(q.options) if not o.correct)
            assert practice.answer_practice(ctx, "T1", "U1", q.id, frozenset({wrong})).recorded

    miss("latency", 2)
    miss("fairness", 1)
    params = prompts_set(slack, fake_slack, thread_event(), "EvW1")
    titles = [p["title"] for p in params["prompts"]]
    assert params["title"] == WEAK_TITLE
    assert titles[:2] == ["Brush up on Latency", "Brush up on Fairness"]  # the most missed first
    assert len(titles) == 3 and "Brush up" not in titles[2]  # the rest from the bank
    # Someone else, with no answers, gets the bank's prompts.
    fresh = prompts_set(slack, fake_slack, thread_event(user="U2", thread_ts="9.9"), "EvW2")
    assert fresh["title"] == WELCOME_TITLE and not any("Brush up" in p["title"] for p in fresh["prompts"])


def test_a_question_in_the_thread_gets_a_status_an_answer_there_and_a_title(slack, fake_slack, sessions):
    answer = ask(slack, fake_slack, "why do models drift in prod?", "1700000101.000001", "EvQ1")
    assert (answer["channel"], answer["thread_ts"]) == (DM, THREAD)
    assert answer["blocks"][1]["text"]["text"] == "Drift"
    assert find_element(answer["blocks"], "helpful:yes")[1]["value"] == "drift"  # the usual answer and buttons
    [status] = fake_slack.of(SET_STATUS)
    assert (status.params["channel_id"], status.params["thread_ts"], status.params["status"]) == (DM, THREAD, LOOKING)
    [title] = fake_slack.wait_for(SET_TITLE)
    assert (title.params["thread_ts"], title.params["title"]) == (THREAD, "Drift")
    methods = [c.method for c in fake_slack.calls]
    assert methods.index(SET_STATUS) < methods.index("chat.postMessage") < methods.index(SET_TITLE)
    [row] = logged(sessions, 1)
    assert (row.surface, row.channel_id, row.thread_ts, row.topic) == ("assistant", DM, THREAD, "drift")

    # A follow-up in the same thread keeps its topic, as a mention thread does.
    follow = ask(slack, fake_slack, "and in research?", "1700000102.000001", "EvQ2")
    assert follow["thread_ts"] == THREAD and follow["blocks"][1]["text"]["text"] == "Drift"
    assert follow["blocks"][2]["text"]["text"].startswith("*:microscope: In research*")
    # One answer per message: the DM listener never answers a split-view message too.
    time.sleep(0.3)
    assert len(fake_slack.of("chat.postMessage")) == 2
    assert len(fake_slack.of(SET_STATUS)) == 2


def test_a_top_level_dm_is_still_the_dm_listeners(slack, fake_slack, sessions):
    event = {"type": "message", "channel_type": "im", "channel": DM, "user": "U1", "text": "latency", "ts": "3.0"}
    assert slack.event(event, event_id="EvTop").status == 200
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert "thread_ts" not in reply.params and reply.params["blocks"][1]["text"]["text"] == "Latency"
    assert fake_slack.of(SET_STATUS) == []
    assert logged(sessions, 1)[0].surface == "dm"


def test_a_retried_event_is_answered_once(slack, fake_slack, sessions):
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    message = in_thread("latency vs accuracy?", "1700000103.000001")
    started = thread_event()
    for headers in (None, retry, retry):
        assert slack.event(message, event_id="EvR1", headers=headers).status == 200
        assert slack.event(started, event_id="EvR2", headers=headers).status == 200
    fake_slack.wait_for("chat.postMessage")
    fake_slack.wait_for(SET_PROMPTS)
    fake_slack.wait_for(SET_TITLE)
    time.sleep(0.3)
    assert [len(fake_slack.of(m)) for m in ("chat.postMessage", SET_STATUS, SET_TITLE, SET_PROMPTS)] == [1, 1, 1, 1]
    assert len(logged(sessions, 1)) == 1


def _quiz_day(ctx):
    """Today's quiz posted in C1 (it closes after 8 hours); what it must not give away before then."""
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    with ctx.sessions() as s:
        post = s.scalars(select(QuizPost)).one()
    question = ctx.bank.questions_by_id[post.question_id]
    return question, [o.why for o in question.options]


def said_in_the_dm(fake_slack) -> str:
    return json.dumps(
        [c.params for c in fake_slack.calls if DM in (c.params.get("channel"), c.params.get("channel_id"))]
    )


def test_todays_quiz_is_explained_only_after_it_has_closed(slack, fake_slack, ctx, clock):
    question, secrets = _quiz_day(ctx)
    # Opened beside the quiz channel while the quiz is open: no such prompt.
    before = prompts_set(slack, fake_slack, thread_event(context_channel="C1"), "EvX1")
    assert EXPLAIN_QUIZ_TITLE not in [p["title"] for p in before["prompts"]] and len(before["prompts"]) == 3
    # Asked anyway (typed, or the prompt's words from another thread): the answer stays secret.
    early = ask(slack, fake_slack, "Explain today's quiz in <#C1>", "1700000104.000001", "EvX2")
    assert early["thread_ts"] == THREAD and "still open" in early["text"]
    clock.advance(hours=7, minutes=59)
    assert reveals.close_due(ctx) == 0  # a minute before its close
    late = ask(slack, fake_slack, "can you explain today's quiz in <#C1|quiz>?", "1700000105.1", "EvX3")
    assert "still open" in late["text"]
    again = prompts_set(slack, fake_slack, thread_event("assistant_thread_context_changed", "C1"), "EvX4")
    assert EXPLAIN_QUIZ_TITLE not in [p["title"] for p in again["prompts"]]
    dm = said_in_the_dm(fake_slack)
    assert not any(secret in dm for secret in secrets)
    assert not any(option.text in dm for option in question.options)

    clock.advance(minutes=2)
    assert reveals.close_due(ctx) == 1
    # The person moves to the quiz channel again: now the prompt is offered, first.
    after = prompts_set(slack, fake_slack, thread_event("assistant_thread_context_changed", "C1"), "EvX5")
    first = after["prompts"][0]
    assert first["title"] == EXPLAIN_QUIZ_TITLE and len(after["prompts"]) == 4
    explained = ask(slack, fake_slack, first["message"], "1700000106.000001", "EvX6")
    shown = json.dumps(explained["blocks"])
    assert explained["thread_ts"] == THREAD and question.prompt[:40] in shown
    assert all(why[:40] in shown for why in secrets)
    assert fake_slack.wait_for(SET_TITLE)[-1].params["title"] == EXPLAIN_QUIZ_TITLE


def test_explaining_needs_a_quiz_channel_and_a_closed_quiz_of_ones_own_workspace(slack, fake_slack, ctx, clock):
    assert "Which quiz?" in ask(slack, fake_slack, "explain today's quiz", "1700000107.1", "EvN1")["text"]
    assert "no quiz" in ask(slack, fake_slack, "explain today's quiz in <#C7>", "1700000107.2", "EvN2")["text"]
    _quiz_day(ctx)
    clock.advance(hours=9)
    reveals.close_due(ctx)
    assert assistant.quiz_reply(ctx, "T1", "C1")[1] is True
    assert assistant.quiz_reply(ctx, "T2", "C1")[1] is False  # another workspace learns nothing of T1's quiz
    clock.advance(days=1)  # tomorrow: yesterday's quiz is not today's
    assert assistant.quiz_reply(ctx, "T1", "C1")[1] is False


def test_acks_never_wait_for_slack(slack, fake_slack, sessions):
    """Slack takes every call and then holds its answer back: each event is acknowledged while its Slack call
    is still hanging (its inbox row not yet handled), so no split-view call to Slack runs on the ack path."""
    fake_slack.fault("*", "hang", seconds=60, times=None, act=True)
    try:
        for event, event_id, method in (
            (thread_event(), "EvH1", SET_PROMPTS),
            (in_thread("drift?", "1700000108.1"), "EvH2", SET_STATUS),
        ):
            assert slack.event(event, event_id=event_id).status == 200
            fake_slack.wait_for(method)  # the call has reached Slack, which has not answered it
            with sessions() as s:
                stored = s.get(ProcessedEvent, event_id)
            assert stored is not None and stored.handled_at is None  # acked, and the handler still waits on Slack
    finally:
        fake_slack._stopping.set()  # ends the held calls now rather than at teardown


def test_a_question_whose_handler_died_is_answered_in_its_thread_later(ctx, fake_slack, clock):
    dead = replace(ctx, background=type("Dead", (), {"submit": lambda *a, **k: None})())
    client = ctx.slack.default
    assistant.receive_question(dead, client, "EvD1", Asked("latency?", "T1", "U1", DM, "assistant", THREAD))
    opened = assistant.ThreadOpened("T1", "U1", DM, THREAD, None)
    assistant.receive_thread(dead, client, "EvD2", opened)
    clock.advance(minutes=6)
    assert recovery.retry_unhandled(ctx) == 2
    assert ctx.background.drain(10)  # the replies are written on the background pool
    [reply] = fake_slack.of("chat.postMessage")
    assert reply.params["thread_ts"] == THREAD and reply.params["blocks"][1]["text"]["text"] == "Latency"
    assert [len(fake_slack.of(m)) for m in (SET_STATUS, SET_TITLE, SET_PROMPTS)] == [1, 1, 1]
    clock.advance(minutes=6)
    assert recovery.retry_unhandled(ctx) == 0


class Held:
    """A background pool that keeps what it is given until told to run it."""

    def __init__(self) -> None:
        self.jobs: list[tuple] = []

    def submit(self, job, /, *args, **kwargs) -> None:
        self.jobs.append((job, args, kwargs))

    def run(self) -> None:
        for job, args, kwargs in self.jobs:
            job(*args, **kwargs)


def test_recovered_replies_go_to_the_background_pool_not_the_scheduler_thread(ctx, fake_slack, clock):
    dead = replace(ctx, background=type("Dead", (), {"submit": lambda *a, **k: None})())
    client = ctx.slack.default
    assistant.receive_question(dead, client, "EvB1", Asked("latency?", "T1", "U1", DM, "assistant", THREAD))
    assistant.receive_question(dead, client, "EvB2", Asked("drift?", "T1", "U1", DM, "assistant", "1700000109.2"))
    clock.advance(minutes=6)
    held = Held()
    assert recovery.retry_unhandled(replace(ctx, background=held)) == 2
    assert len(held.jobs) == 2 and fake_slack.of("chat.postMessage") == []  # nothing asked of Slack or a model yet
    held.run()
    assert len(fake_slack.of("chat.postMessage")) == 2
    clock.advance(minutes=6)
    assert recovery.retry_unhandled(ctx) == 0


def test_a_malformed_thread_event_is_refused_before_bolt(slack, fake_slack):
    broken = thread_event()
    del broken["assistant_thread"]["thread_ts"]
    assert slack.event(broken, event_id="EvM1").status == 400
    broken = thread_event()
    broken["assistant_thread"]["context"] = "C1"
    assert slack.event(broken, event_id="EvM2").status == 400
    time.sleep(0.2)
    assert fake_slack.calls == []


def test_explain_requests_are_read_in_the_ways_slack_may_send_them():
    from bot.blocks.assistant_blocks import explain_quiz_request

    assert explain_quiz_request("Explain today's quiz in <#C0123ABCD>") == (True, "C0123ABCD")
    assert explain_quiz_request("explain todays quiz in <#C0123ABCD|ml-quiz> please") == (True, "C0123ABCD")
    assert explain_quiz_request("Explain today’s quiz in &lt;#G42&gt;") == (True, "G42")
    assert explain_quiz_request("explain today's quiz") == (True, None)
    assert explain_quiz_request("explain drift") == (False, None)
