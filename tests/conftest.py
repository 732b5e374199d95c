"""Shared fixtures: a real SQLite file, a fake Slack Web API, and the real app served over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.runtime.background import Background
from bot.services.runtime.context import Context, build_context
from bot.services.slack.clients import SlackClients
from bot.web.bolt_app import create_app
from storage.db import upgrade
from tests.app_server import serving
from tests.fake_slack import FakeSlack
from tests.slack_requests import SIGNING_SECRET, SlackSender


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A CLI command run in-process points the root logger at the stderr pytest captured for that test; a
    thread that logs after the test (a websocket closing) would then write to a closed file."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@dataclass
class FrozenClock:
    """A settable clock (naive UTC, like the database). Tests move it; the app reads it."""

    now: datetime = datetime(2026, 3, 2, 8, 0)  # a Monday

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'lab2prod.db'}"
    upgrade(url)
    return url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def ctx(db_url: str, clock: FrozenClock, fake_slack: FakeSlack) -> Iterator[Context]:
    """The services' context as in `serve`: the shipped bank, the SQLite file, the fake Slack, a background
    pool, answers committed by a writer thread."""
    fake_slack.clock = lambda: clock.now.replace(tzinfo=UTC).timestamp()  # Slack's clock agrees with the app's
    background = Background(workers=8)
    slack = SlackClients("xoxb-test", fake_slack.api_url)
    context = build_context(db_url, clock=clock, background=background, slack=slack, group_commit=True)
    yield context
    background.shutdown(10)
    context.writes.close()


@pytest.fixture
def sessions(ctx: Context) -> sessionmaker[Session]:
    return ctx.sessions


@pytest.fixture
def settings(fake_slack: FakeSlack, db_url: str) -> Settings:
    return Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        app_token=None,
        api_url=fake_slack.api_url,
        database_url=db_url,
    )


@pytest.fixture
def slack(ctx: Context, settings: Settings) -> Iterator[SlackSender]:
    """The real Bolt app behind waitress on a free port; yields a sender of signed requests."""
    with serving(create_app(ctx, settings)) as sender:
        yield sender


@pytest.fixture
def client(ctx: Context) -> WebClient:
    assert ctx.slack.default is not None
    return ctx.slack.default
