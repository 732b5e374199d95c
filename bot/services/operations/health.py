"""Readiness: can this process do its work right now? (Liveness is only "the process answers".)"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from bot.services.runtime.context import Context
from storage.db import schema_revisions, unavailable_reason


def database_trouble(error: BaseException) -> str | None:
    """'locked', 'read-only', 'full' or 'unavailable' when `error` says the database is out of reach, else None."""
    return unavailable_reason(error)


def readiness(
    ctx: Context, last_tick: Callable[[], float | None] | None, tick_seconds: float
) -> tuple[bool, dict[str, Any]]:
    """The database answers and is at the newest schema; the scheduler finished a tick within 2 x its period."""
    checks: dict[str, Any] = {}
    engine = ctx.sessions.kw["bind"]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current, head = schema_revisions(engine)
        checks["database"] = "ok"
        checks["schema"] = "ok" if current == head else f"at {current}, code expects {head}: run lab2prod db upgrade"
    except Exception as exc:
        checks["database"] = f"unreachable ({unavailable_reason(exc) or exc.__class__.__name__})"
        checks["schema"] = "unknown"
    if last_tick is not None:
        seen = last_tick()
        age = None if seen is None else time.monotonic() - seen
        late = age is None or age > 2 * tick_seconds
        checks["scheduler"] = "ok" if not late else ("no tick yet" if age is None else f"last tick {age:.0f}s ago")
    ok = all(value == "ok" for value in checks.values())
    return ok, checks
