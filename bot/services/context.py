"""What every service needs, built once at start: the bank, the matcher, the database, Slack, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.services.background import Background
from bot.services.slack_clients import SlackClients
from bot.tutor.matcher import Matcher, build_matcher
from content.loader import Bank, load_bank
from storage.db import make_engine, make_sessionmaker

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Naive UTC: what the database stores, whatever the host's own time zone is."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Context:
    bank: Bank
    matcher: Matcher
    sessions: sessionmaker[Session]
    clock: Clock = utc_now
    background: Background = field(default_factory=Background.inline)
    slack: SlackClients = field(default_factory=lambda: SlackClients(None))


def build_context(
    database_url: str,
    content: Path | str | None = None,
    clock: Clock = utc_now,
    *,
    background: Background | None = None,
    slack: SlackClients | None = None,
) -> Context:
    """Load and validate the content first: a broken bank must stop start-up, not the first question."""
    bank = load_bank(content)
    return Context(
        bank,
        build_matcher(bank.topics),
        make_sessionmaker(make_engine(database_url)),
        clock,
        background or Background.inline(),
        slack or SlackClients(None),
    )
