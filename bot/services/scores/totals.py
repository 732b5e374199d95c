"""The running score totals are derived data: checking them against a recount of the answers, and rebuilding
them from the answers when they disagree."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.runtime.context import Context
from storage.db import reading, transaction
from storage.records import Facts
from storage.repos import totals


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
