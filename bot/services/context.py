"""What every service needs, built once at start: the bank, the matcher, the database, Slack, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.services.background import Background
from bot.services.courier import Courier
from bot.services.slack_clients import SlackClients
from bot.tutor.matcher import Matcher, build_matcher
from content.loader import Bank, load_bank
from storage.db import make_engine, make_sessionmaker
from storage.records import PostRecord

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
    courier: Courier | None = None  # under `serve`: the process that carries replies to response_urls
    # When this process last claimed each open post's count update: while fresh, a click skips the database.
    count_claimed_at: dict[int, datetime] = field(default_factory=dict)
    # Open posts this process read lately (post id -> (post, monotonic time read)): a burst of clicks on one
    # post reads it once. Only what cannot change is trusted from here; the answer's insert re-checks that
    # the post is still open.
    open_posts: dict[int, tuple[PostRecord, float]] = field(default_factory=dict)


def build_context(
    database_url: str,
    content: Path | str | None = None,
    clock: Clock = utc_now,
    *,
    background: Background | None = None,
    slack: SlackClients | None = None,
    courier: Courier | None = None,
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
        courier,
    )
