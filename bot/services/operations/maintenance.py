"""Database upkeep for operators: migrations, and checking that derived totals equal a recount of the answers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bot.services.runtime.context import Context
from storage import db
from storage.db import reading, transaction
from storage.records import Facts, Gap, TopicFeedback
from storage.repos import asked, totals


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def upgrade(url: str) -> None:
    db.upgrade(url)


@dataclass(frozen=True)
class Mismatch:
    workspace_id: str
    user_id: str
    stored: Facts | None  # what score_totals holds (None: no row)
    recounted: Facts | None  # what the answers say (None: no scored answers)


def _same(a: Facts | None, b: Facts | None) -> bool:
    if a is None or b is None:
        return a == b
    counts = (a.answers, a.correct, a.first, a.second, a.third) == (b.answers, b.correct, b.first, b.second, b.third)
    return counts and abs(a.weighted_credit - b.weighted_credit) < 1e-6


def verify_totals(ctx: Context) -> tuple[int, list[Mismatch]]:
    """(people checked, mismatches) between the running totals and a recount from the answers."""
    with reading(ctx.sessions) as session:
        recounted, kept = totals.recount(session), totals.stored(session)
    people = sorted(set(recounted) | set(kept))
    found = [Mismatch(ws, user, kept.get((ws, user)), recounted.get((ws, user))) for ws, user in people]
    return len(people), [m for m in found if not _same(m.stored, m.recounted)]


def rebuild_totals(ctx: Context) -> int:
    """Recompute every running total from the answers; returns how many people have totals."""
    with transaction(ctx.sessions) as session:
        return totals.rebuild(session)


def content_gaps(ctx: Context) -> tuple[list[Gap], list[TopicFeedback]]:
    """The questions the tutor could not answer, most asked first, and the topics voted least helpful."""
    with reading(ctx.sessions) as session:
        return asked.gaps(session), asked.least_helpful(session)
