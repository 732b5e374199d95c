"""What an operator sees: /healthz (the process answers), /readyz (it can do its work: each check broken in turn)
and the Prometheus page at /metrics, all over the served app."""

from __future__ import annotations

import json
import os
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.services.operations.health import readiness
from bot.services.operations.scheduler import Scheduler
from bot.services.quiz import channels, posting
from bot.services.runtime.context import build_context
from bot.services.slack.clients import SlackClients
from bot.web.bolt_app import create_app
from storage.db import upgrade
from tests.app_server import http_get, serving
from tests.postgres_server import PostgresServer
from tests.slack_requests import answer_click


def get(url: str) -> tuple[int, str]:
    page = http_get(url)
    return page.status, page.body


def base(sender) -> str:
    return sender.url.removesuffix("/slack/events")


@pytest.fixture
def scheduler(ctx):
    """The real scheduler, ticking every 0.3 s (it does the day's work against the fake Slack)."""
    running = Scheduler(ctx, every=0.3).start()
    deadline = time.monotonic() + 10
    while running.last_tick is None and time.monotonic() < deadline:
        time.sleep(0.05)
    yield running
    running.stop(5)


@pytest.fixture
def served(ctx, settings, scheduler):
    with serving(create_app(ctx, settings), ready=lambda: readiness(ctx, lambda: scheduler.last_tick, 0.3)) as sender:
        yield sender


def test_ready_when_every_check_passes(served):
    status, body = get(f"{base(served)}/readyz")
    assert status == 200 and json.loads(body) == {"ok": True, "database": "ok", "schema": "ok", "scheduler": "ok"}


def test_not_ready_when_the_database_is_unreachable_but_still_alive(fake_slack, settings, clock):
    """PostgreSQL goes down under a running app: not ready (take it out of the load balancer), but alive (a
    restart would not bring the database back)."""
    try:
        server = PostgresServer.start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server binaries on this machine: {exc}")
    try:
        url = server.create_database("lab2prod_ready")
        upgrade(url)
        ctx = build_context(url, clock=clock, slack=SlackClients("xoxb-test", fake_slack.api_url))
        ticked = time.monotonic()
        with serving(create_app(ctx, settings), ready=lambda: readiness(ctx, lambda: ticked, 3600)) as sender:
            assert get(f"{base(sender)}/readyz")[0] == 200
            server.stop()
            status, body = get(f"{base(sender)}/readyz")
            checks = json.loads(body)
            assert status == 503 and not checks["ok"]
            assert checks["database"] == "unreachable (unavailable)" and checks["schema"] == "unknown"
            assert get(f"{base(sender)}/healthz") == (200, '{"ok": true}')
    finally:
        server.stop()


def test_not_ready_when_the_schema_is_behind_the_code(served, ctx):
    with ctx.sessions() as session, session.begin():
        head = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        session.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    status, body = get(f"{base(served)}/readyz")
    assert status == 503 and json.loads(body)["schema"] == f"at 0002, code expects {head}: run lab2prod db upgrade"


def test_not_ready_when_the_scheduler_stops_ticking(served, scheduler):
    assert get(f"{base(served)}/readyz")[0] == 200
    scheduler.stop(5)
    time.sleep(0.9)  # more than 2 x its 0.3 s period
    status, body = get(f"{base(served)}/readyz")
    assert status == 503 and json.loads(body)["scheduler"].startswith("last tick ")


def scrape(sender) -> dict[tuple[str, frozenset], float]:
    status, page = get(f"{base(sender)}/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def grew(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0) - before.get(key, 0)


def test_metrics_count_requests_acks_slack_calls_posts_answers_and_lag(slack, ctx, fake_slack, clock):
    served = slack
    ticking = Scheduler(ctx, every=3600).start()  # one tick now, then none during the test
    while ticking.last_tick is None:
        time.sleep(0.05)
    channels.save_channel(ctx, "T1", "C1", "09:00", "UTC", "daily")
    clock.now = clock.now.replace(hour=9, minute=1)
    before = scrape(served)

    assert served.command("help").status == 200
    assert served.post("{}", "application/json", signature="v0=forged").status == 401
    fake_slack.rate_limited["views.publish"] = 1  # one 429 first; the call waits Retry-After and succeeds
    assert served.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="EvM").status == 200
    fake_slack.wait_for("views.publish")
    posting.post_due(ctx)
    post = fake_slack.messages("C1")[0]
    for attempt in range(2):  # the same person twice: one stored, one not scored
        click = answer_click(post["blocks"], message_ts=post["ts"], response_url=fake_slack.response_url(f"m{attempt}"))
        assert served.block_action(click).status == 200
        fake_slack.wait_for("response_url", attempt + 1)
    # The fake Slack records a reply when it arrives; our counter moves when its answer is back: wait for both.
    after = scrape(served)
    deadline = time.monotonic() + 10
    while grew(before, after, "lab2prod_slack_calls_total", method="response_url", result="ok") < 2:
        assert time.monotonic() < deadline, "the replies' metric never caught up"
        time.sleep(0.05)
        after = scrape(served)

    assert grew(before, after, "lab2prod_requests_total", surface="command", outcome="ok") == 1
    assert grew(before, after, "lab2prod_requests_total", surface="unknown", outcome="unsigned") == 1
    assert grew(before, after, "lab2prod_requests_total", surface="event", outcome="ok") == 1
    assert grew(before, after, "lab2prod_requests_total", surface="action", outcome="ok") == 2
    assert grew(before, after, "lab2prod_ack_seconds_count", surface="action") == 2
    assert grew(before, after, "lab2prod_ack_seconds_bucket", surface="action", le="3.0") == 2  # within Slack's 3 s
    assert grew(before, after, "lab2prod_slack_calls_total", method="views.publish", result="ratelimited") == 1
    assert grew(before, after, "lab2prod_slack_calls_total", method="views.publish", result="ok") == 1
    assert grew(before, after, "lab2prod_slack_calls_total", method="chat.postMessage", result="ok") >= 1
    assert grew(before, after, "lab2prod_slack_calls_total", method="response_url", result="ok") == 2
    assert grew(before, after, "lab2prod_quiz_posts_total", result="posted") == 1
    assert grew(before, after, "lab2prod_answers_total", result="stored") == 1
    assert grew(before, after, "lab2prod_answers_total", result="not_scored") == 1
    lag = after[("lab2prod_scheduler_lag_seconds", frozenset())]
    assert 0 <= lag < 60
    ticking.stop(5)
    page = get(f"{base(served)}/metrics")[1]
    assert "U1" not in page and "C1" not in page and "T1" not in page  # no person, channel or workspace
