"""What every service needs, built once at start: the bank, the matcher, the database, Slack, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.config import LlmSettings
from bot.services.runtime.background import Background
from bot.services.runtime.group_commit import GroupCommit
from bot.services.runtime.language_model import LanguageModel
from bot.services.runtime.recent import Recent
from bot.services.slack.clients import SlackClients
from bot.services.slack.courier import Courier
from bot.tutor.model_vote import topic_lines
from bot.tutor.reading import LazyReaders, Readers, lazy_readers
from content.loader import Bank, load_bank
from storage.db import make_engine, make_sessionmaker
from storage.records import PostRecord

Clock = Callable[[], datetime]
POST_MEMORY_SECONDS = 30


def utc_now() -> datetime:
    """Naive UTC: what the database stores, whatever the host's own time zone is."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Context:
    bank: Bank
    # The readers checking each other (bot/tutor/reading/readers.py), trained on the first question.
    matcher: Readers | LazyReaders
    sessions: sessionmaker[Session]
    clock: Clock = utc_now
    background: Background = field(default_factory=Background.inline)
    slack: SlackClients = field(default_factory=lambda: SlackClients(None))
    courier: Courier | None = None  # under `serve`: the process that carries replies to response_urls
    model: LanguageModel | None = None  # the optional language-model reader (LAB2PROD_LLM_URL)
    # When this process last claimed each open post's count update: while fresh, a click skips the database.
    count_claimed_at: dict[int, datetime] = field(default_factory=dict)
    # Open posts this process read lately: a burst of clicks on one post reads it once. Only what cannot
    # change is trusted from here; the answer's insert re-checks that the post is still open.
    open_posts: Recent[int, PostRecord] = field(default_factory=lambda: Recent(POST_MEMORY_SECONDS))
    # The choice each person's answer to a post made, as this process stored or read it: a double click
    # (or Slack's retry) is told "already answered" without a trip to the database.
    first_choices: Recent[tuple[int, str], frozenset[int]] = field(
        default_factory=lambda: Recent(POST_MEMORY_SECONDS, size=20_000)
    )
    # Answers are written through this. With `group_commit` (under `serve`) one writer thread commits the
    # answers of concurrent clicks together; otherwise each write is its own transaction, in the caller.
    writes: GroupCommit = field(init=False)
    group_commit: InitVar[bool] = False

    def __post_init__(self, group_commit: bool) -> None:
        self.writes = GroupCommit(self.sessions, threaded=group_commit)


def build_context(
    database_url: str,
    content: Path | str | None = None,
    clock: Clock = utc_now,
    *,
    background: Background | None = None,
    slack: SlackClients | None = None,
    courier: Courier | None = None,
    group_commit: bool = False,
    llm: LlmSettings | None = None,
) -> Context:
    """Load and validate the content first: a broken bank must stop start-up, not the first question."""
    bank = load_bank(content)
    return Context(
        bank,
        lazy_readers(bank.topics),  # trained on the first question (`serve` warms it at start)
        make_sessionmaker(make_engine(database_url)),
        clock,
        background or Background.inline(),
        slack or SlackClients(None),
        courier,
        LanguageModel(llm, topic_lines(bank.topics.values())) if llm else None,
        group_commit=group_commit,
    )
