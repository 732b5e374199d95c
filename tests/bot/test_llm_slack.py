"""The language-model reader in the served app (signed requests, fake Slack, a fake OpenAI-compatible model):
a correct model's topic answers DMs and /tutor; a failing one leaves every answer the local one, on time, and
/metrics counts each fallback."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from bot.blocks.answer_blocks import reply_for_match
from bot.config import LlmSettings
from bot.services.runtime.language_model import LanguageModel
from bot.tutor.model_vote import topic_lines
from storage.models import AskedQuestion
from tests.app_server import http_get
from tests.bot.test_qa_slack import _wait_rows
from tests.bot.tutor.evaluation import trained_on
from tests.fake_openai import FakeOpenAI

GENEROUS = 10.0  # the fake hangs 30 s; the budget is 2 s: an answer inside this bound proves the timeout held
DEV = trained_on()


@pytest.fixture
def fake_model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _model_closed(ctx) -> Iterator[None]:
    yield
    if ctx.model is not None:
        ctx.model.close()


def use_model(ctx, url: str, ask: str = "always") -> None:
    ctx.model = LanguageModel(LlmSettings(url, "fake-model", None, ask), topic_lines(ctx.bank.topics.values()))


@pytest.fixture
def misread(ctx) -> tuple[str, str]:
    """A development question the local reader does not answer right, and its labelled topic."""
    return next((e["q"], e["topic"]) for e in DEV if e["topic"] and ctx.matcher.match(e["q"]).topic != e["topic"])


def counted(slack, outcome: str) -> float:
    page = http_get(slack.url.replace("/slack/events", "/metrics")).body
    found = re.search(rf'^lab2prod_llm_requests_total{{outcome="{outcome}"}} (\S+)$', page, re.M)
    return float(found.group(1)) if found else 0.0


def ask_both_ways(slack, fake_slack, question: str):
    """A DM and a /tutor with the same question; returns (the DM's answer, the ack body, /tutor's answer)."""
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DSECRET7",
            "user": "UPRIVATE9",
            "text": question,
            "ts": "1.1",
        },
        event_id="EvLlm1",
    )
    ack = slack.command(question, user="UPRIVATE9", channel="CSECRET8", response_url=fake_slack.response_url())
    [dm] = fake_slack.wait_for("chat.postMessage", timeout=GENEROUS)
    if ack.body.strip():
        return dm.params, ack, None
    [later] = fake_slack.wait_for("response_url", timeout=GENEROUS)
    return dm.params, ack, later.params


def test_a_correct_model_picks_the_topic_of_every_answer(slack, fake_slack, fake_model, ctx, misread, sessions):
    question, topic = misread
    use_model(ctx, fake_model.url)
    before = counted(slack, "ok")
    dm, ack, later = ask_both_ways(slack, fake_slack, question)
    title = ctx.bank.topics[topic].title
    assert dm["blocks"][1]["text"]["text"] == title
    assert ack.status == 200 and ack.body == ""  # acked at once, empty: the answer follows
    assert later is not None and later["blocks"][1]["text"]["text"] == title
    assert later["response_type"] == "ephemeral"
    rows = _wait_rows(sessions, AskedQuestion, 2)
    assert {r.topic for r in rows} == {topic}
    assert counted(slack, "ok") == before + 2
    sent = repr(fake_model.requests)  # the question and the topic list: no person, channel or workspace
    assert question in sent
    assert not any(name in sent for name in ("UPRIVATE9", "DSECRET7", "CSECRET8", "T1"))


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        ("prose", "not_json"),
        ("unknown_id", "unknown_id"),
        ("injection", "injection"),
        ("server_error", "http_5xx"),
        ("rate_limited", "rate_limited"),
        ("hang", "timeout"),
        ("drop", "error"),
        ("refused", "refused"),
    ],
)
def test_a_failing_model_leaves_every_answer_local(slack, fake_slack, fake_model, ctx, misread, mode, outcome):
    question, _ = misread
    if mode == "refused":
        use_model(ctx, closed_port_url())
    else:
        fake_model.mode = mode
        use_model(ctx, fake_model.url)
    before = counted(slack, outcome)
    dm, ack, later = ask_both_ways(slack, fake_slack, question)
    local = reply_for_match(ctx.bank, ctx.matcher.match(question))
    assert dm["blocks"] == local.blocks
    assert ack.status == 200
    assert later is not None and later["blocks"] == local.blocks
    assert counted(slack, outcome) == before + 2


def test_unsure_answers_a_sure_question_in_the_ack_without_the_model(slack, fake_model, ctx):
    use_model(ctx, fake_model.url, "unsure")
    body = slack.command("why do models drift in prod").json()
    assert body["blocks"][1]["text"]["text"] == "Drift"
    assert fake_model.requests == []
