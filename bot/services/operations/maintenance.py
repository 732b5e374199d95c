"""Database upkeep for operators: migrations, and the questions the tutor could not answer (content gaps)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from bot.services.runtime.context import Context
from storage import db
from storage.db import reading
from storage.records import Gap, TopicFeedback
from storage.repos import asked


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def upgrade(url: str) -> None:
    db.upgrade(url)


def content_gaps(ctx: Context) -> tuple[list[Gap], list[TopicFeedback]]:
    """The questions the tutor could not answer, most asked first, and the topics voted least helpful."""
    with reading(ctx.sessions) as session:
        return asked.gaps(session), asked.least_helpful(session)
