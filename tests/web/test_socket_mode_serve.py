"""`lab2prod serve` over Socket Mode, against a local websocket server standing in for Slack: the fake Web API
answers apps.connections.open with its ws:// URL. Everything a person does arrives as an envelope; every
envelope is acknowledged by its id, once, and the app keeps working across Slack's reconnect requests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.services.quiz import channels, posting
from bot.services.runtime.context import utc_now
from tests.app_server import http_get
from tests.cli_runs import ROOT
from tests.fake_socket_mode import FakeSocketMode, app_mention
from tests.slack_requests import answer_click


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    page = http_get(url)
    return page.status, page.body


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, socket_mode: FakeSocketMode) -> None:
        self.proc, self.port, self.socket_mode = proc, port, socket_mode

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        try:
            output = self.proc.communicate(timeout=40)[0]
        finally:
            self.proc.kill()
        assert self.proc.returncode == 0, output
        return output


@pytest.fixture
def served(fake_slack, db_url, ctx) -> Iterator[Served]:
    with FakeSocketMode() as socket_mode:
        fake_slack.socket_mode = socket_mode
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": db_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-1-test",
            "SLACK_SIGNING_SECRET": "",  # Socket Mode needs none
            "SLACK_API_URL": fake_slack.api_url,
            "LAB2PROD_TICK_SECONDS": "3600",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            try:
                socket_mode.wait_connections(1, timeout=30)
            except AssertionError:
                proc.kill()
                raise AssertionError(proc.communicate(timeout=10)[0]) from None
            yield Served(proc, port, socket_mode)
        finally:
            proc.kill()
            proc.wait(10)


def replies_to(fake_slack, event_ts: str) -> list:
    return [c for c in fake_slack.of("chat.postMessage") if c.params.get("thread_ts") == event_ts]


def test_socket_mode_serves_every_surface_acks_once_and_survives_a_refresh(served, fake_slack, ctx, clock):
    sm = served.socket_mode
    # The port serves health, readiness and metrics; Slack's events come over the websocket, not here.
    assert get(served.url("/healthz"))[0] == 200
    assert json.loads(get(served.url("/readyz"))[1])["ok"] is True
    request = urllib.request.Request(served.url("/slack/events"), data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 404

    # An @-mention: acked by envelope id (no payload: events take none), then answered in its thread.
    ts = f"{time.time():.6f}"
    mention = sm.send_event(app_mention("why do models drift in production?", ts=ts), event_id="EvSM1")
    assert sm.wait_ack(mention) == {"envelope_id": mention}
    fake_slack.wait_for("chat.postMessage")
    [answer] = replies_to(fake_slack, ts)
    assert "drift" in json.dumps(answer.params).lower()
    # Slack redelivers it (as after a missed ack): acked again, answered once.
    again = sm.send_event(app_mention("why do models drift in production?", ts=ts), event_id="EvSM1", retry_attempt=1)
    assert sm.wait_ack(again) == {"envelope_id": again}

    # A slash command: the reply rides on the ack.
    command = sm.send_command("help", user="U7")
    ack = sm.wait_ack(command)
    assert ack["envelope_id"] == command and "/tutor" in json.dumps(ack["payload"])

    # A quiz click: stored, acked, private feedback at once.
    clock.now = utc_now()  # the served process runs on the real clock
    channels.save_channel(ctx, "T1", "C1", "00:00", "UTC", "daily")
    posting.post_due(ctx)
    quiz = fake_slack.messages("C1")[-1]
    clicked = sm.send_interactive(
        answer_click(quiz["blocks"], user="U8", message_ts=quiz["ts"], response_url=fake_slack.response_url("sm"))
    )
    assert sm.wait_ack(clicked)["envelope_id"] == clicked
    [feedback] = fake_slack.wait_for("response_url")
    assert feedback.params["response_type"] == "ephemeral" and "already" not in feedback.params["text"]

    # App Home.
    home = sm.send_event({"type": "app_home_opened", "user": "U8", "tab": "home"}, event_id="EvSM2")
    assert sm.wait_ack(home) == {"envelope_id": home}
    [publish] = fake_slack.wait_for("views.publish")
    assert publish.params["user_id"] == "U8" and "% of 1" in json.dumps(publish.params["view"])  # the answer counted

    # The split view: a new thread gets its prompts; a question in it (delivered twice) is answered there once.
    thread = {"user_id": "U8", "context": {"channel_id": "C1"}, "channel_id": "D8", "thread_ts": "1700000300.1"}
    opened = sm.send_event({"type": "assistant_thread_started", "assistant_thread": thread}, event_id="EvSM3")
    assert sm.wait_ack(opened) == {"envelope_id": opened}
    [prompts] = fake_slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert prompts.params["thread_ts"] == "1700000300.1" and len(prompts.params["prompts"]) == 3
    asked = {"type": "message", "channel_type": "im", "channel": "D8", "user": "U8", "text": "latency vs accuracy?"}
    asked.update(ts="1700000300.2", thread_ts="1700000300.1")
    for attempt in (0, 1):
        envelope = sm.send_event(asked, event_id="EvSM4", retry_attempt=attempt)
        assert sm.wait_ack(envelope) == {"envelope_id": envelope}
    [title] = fake_slack.wait_for("assistant.threads.setTitle")
    assert title.params["title"] == "Latency"

    # A malformed envelope is acknowledged and dropped, with no traceback.
    broken = sm.send("events_api", {"type": "event_callback", "event": "not an object"})
    assert sm.wait_ack(broken) == {"envelope_id": broken}

    # Slack asks the app to reconnect: it opens a new connection and goes on serving there.
    sm.disconnect("refresh_requested", close_after=0.2)
    sm.wait_connections(2, timeout=20)
    after = sm.send_command("help", user="U7")
    assert "/tutor" in json.dumps(sm.wait_ack(after)["payload"])

    time.sleep(0.5)  # time for a second answer to the redelivered mention, were there going to be one
    assert len(replies_to(fake_slack, ts)) == 1
    [in_thread] = replies_to(fake_slack, "1700000300.1")
    assert in_thread.params["channel"] == "D8" and in_thread.params["blocks"][1]["text"]["text"] == "Latency"
    assert len(fake_slack.of("assistant.threads.setStatus")) == 1
    page = get(served.url("/metrics"))[1]
    assert 'lab2prod_requests_total{outcome="malformed",surface="event"} 1.0' in page
    assert 'lab2prod_requests_total{outcome="ok",surface="command"} 2.0' in page
    output = served.stop()
    assert "Traceback" not in output, output
