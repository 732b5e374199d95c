"""Property-based fuzzing of the served app over HTTP: whatever arrives, signed or not, nothing breaks.

Events, slash commands, block_actions, view_submission and block_suggestion payloads are generated from
Slack-shaped templates and then bent (fields replaced by random JSON, removed, or the whole body random),
signed correctly or not. For every request: no 5xx; no traceback logged; an unsigned request reaches
nothing (no Slack call); and a good request right after it is answered."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.services.runtime.background import Background
from bot.services.runtime.context import build_context
from bot.services.slack.clients import SlackClients
from bot.web.bolt_app import create_app
from storage.db import upgrade
from tests.app_server import serving
from tests.fake_slack import FakeSlack
from tests.slack_requests import SIGNING_SECRET

EXAMPLES = 1500  # about 20 seconds; every example is two requests to the served app


class Tracebacks(logging.Handler):
    """Collects every log record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or "Traceback" in record.getMessage():
            self.seen.append(f"{record.name}: {record.getMessage()[:300]}")


class Served(tuple):  # (sender, fake Slack, tracebacks, context) with a short repr for Hypothesis' reports
    def __repr__(self) -> str:
        return "<served app>"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    upgrade(url)
    fake = FakeSlack().start()
    background = Background(workers=4)
    ctx = build_context(url, background=background, slack=SlackClients("xoxb-fuzz", fake.api_url, timeout=2))
    settings_ = Settings("xoxb-fuzz", SIGNING_SECRET, None, fake.api_url, url)
    tracebacks = Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    try:
        with serving(create_app(ctx, settings_)) as sender:
            yield Served((sender, fake, tracebacks, ctx))
    finally:
        logging.getLogger().removeHandler(tracebacks)
        background.shutdown(10)
        fake.stop()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Text for ids and urls: no ':' or '/', so a fuzzed response_url is never a real address to call.
safe_text = st.text(alphabet=st.characters(blacklist_characters=":/", blacklist_categories=("Cs",)), max_size=40)

ACTION_IDS = [
    "quiz_pick:0",
    "quiz_submit",
    "quiz_boxes",
    "practice_pick:1",
    "practice_submit",
    "topic_open:drift",
    "helpful:yes",
    "helpful:no",
    "home_practice",
    "home_leaderboard",
    "unknown_action",
]


def event_payload(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added"]))
    event = {
        "type": kind,
        "channel": draw(st.sampled_from(["D1", "C1"]) | safe_text),
        "channel_type": draw(st.sampled_from(["im", "channel"])),
        "user": draw(st.sampled_from(["U1", "U2"]) | safe_text),
        "text": draw(st.text(max_size=200)),
        "ts": draw(st.sampled_from(["1.1", "2.2"]) | safe_text),
        "tab": "home",
    }
    return {
        "token": "x",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": draw(safe_text),
        "event_time": 1,
        "event": event,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }


def interactive_payload(draw: Any, fake: FakeSlack) -> dict[str, Any]:
    kind = draw(st.sampled_from(["block_actions", "view_submission", "block_suggestion", "shortcut"]))
    action_id = draw(st.sampled_from(ACTION_IDS))
    value = draw(st.sampled_from(["1:0", "999:2", "drift", "0"]) | safe_text)
    return {
        "type": kind,
        "team": {"id": "T1", "domain": "t"},
        "user": {"id": draw(st.sampled_from(["U1", "U3"])), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "t",
        "container": {"type": "message", "channel_id": "C1", "message_ts": draw(safe_text)},
        "channel": {"id": "C1", "name": "general"},
        "message": {"ts": "1.0", "blocks": []},
        "response_url": draw(st.sampled_from([fake.response_url("fuzz")]) | safe_text),
        "state": {"values": {"b": {"quiz_boxes": {"selected_options": [{"value": draw(safe_text)}]}}}},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
        "view": {"type": "modal", "callback_id": draw(safe_text), "state": {"values": {}}},
        "action_id": action_id,
        "value": draw(safe_text),
    }


@st.composite
def requests(draw: Any, fake: FakeSlack) -> tuple[str, str]:
    """A (body, content type) pair: a Slack-shaped payload, bent in one of several ways."""
    surface = draw(st.sampled_from(["event", "command", "interactive", "random"]))
    if surface == "random":
        body = draw(st.text(max_size=300) | json_values.map(json.dumps))
        return body, draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
    if surface == "command":
        form = {
            "team_id": draw(st.sampled_from(["T1"]) | safe_text),
            "channel_id": draw(st.sampled_from(["C1"]) | safe_text),
            "user_id": draw(st.sampled_from(["U1"]) | safe_text),
            "command": "/tutor",
            "text": draw(
                st.sampled_from(["help", "topics", "stats", "quiz", "team list", "leaderboard week"])
                | st.text(max_size=120)
            ),
            "response_url": draw(st.sampled_from([fake.response_url("cmd")]) | safe_text),
        }
        for key in draw(st.lists(st.sampled_from(sorted(form)), max_size=3)):
            form.pop(key, None)
        return urlencode(form), "application/x-www-form-urlencoded"
    payload = event_payload(draw) if surface == "event" else interactive_payload(draw, fake)
    for key in draw(st.lists(st.sampled_from(sorted(payload)), max_size=3)):  # bend some fields
        if draw(st.booleans()):
            payload[key] = draw(json_values)
        else:
            payload.pop(key, None)
    if surface == "event":
        return json.dumps(payload), "application/json"
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def check(served: Any, body: str, content_type: str, signed: bool, forged: Any) -> None:
    sender, fake, tracebacks, ctx = served
    ctx.background.drain(10)  # replies owed to earlier requests are out before this one is judged
    calls_before = len(fake.calls)
    if signed:
        response = sender.post(body, content_type)
    else:
        timestamp, signature = forged
        response = sender.post(body, content_type, timestamp=timestamp, signature=signature)
    assert response.status < 500, (response.status, body[:300])
    assert "Traceback" not in response.body
    if not signed:
        assert response.status == 401
        assert len(fake.calls) == calls_before  # nothing reached a listener, so nothing reached Slack
    assert sender.command("help").status == 200  # and the next good request is answered
    assert tracebacks.seen == [], tracebacks.seen


# What fits in an HTTP header (no CR, LF or other control characters: the client library refuses those).
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=70)
forgeries = st.tuples(
    st.one_of(st.just(str(int(time.time()))), header_text, st.integers().map(str)),
    st.one_of(st.just("v0=" + "0" * 64), header_text),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_signed_fuzzed_requests_never_fail_the_server(served: Any, data: st.DataObject) -> None:
    body, content_type = data.draw(requests(served[1]))
    check(served, body, content_type, True, None)


@settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_unsigned_fuzzed_requests_reach_nothing(served: Any, data: st.DataObject) -> None:
    body, content_type = data.draw(requests(served[1]))
    check(served, body, content_type, False, data.draw(forgeries))


def test_the_fuzzing_really_reached_the_listeners(served: Any) -> None:
    """Guard against a fuzzer that only ever bounced off the front door: the signed runs above made the app
    act (answers logged, replies sent)."""
    _, fake, _, ctx = served
    ctx.background.drain(10)
    assert fake.of("response_url") or fake.of("chat.postMessage") or fake.of("views.publish")
