"""The in-process scheduler `serve` starts: every tick settles unsure posts, posts due quizzes, sends owed
weekly summaries, reveals closed posts, catches up counts and recovers events whose handler died.

Several processes may run it at once (and cron may run `post-quiz` beside it): the database's unique keys
and compare-and-set leases make every step safe to repeat. A stop request is honoured between steps."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot import metrics
from bot.services.asking import questions, recovery
from bot.services.learning import delivery, weekly
from bot.services.quiz import posting, reveals
from bot.services.runtime.context import Context

log = logging.getLogger(__name__)
TICK_SECONDS = 30.0
# Review DMs go one by one at Slack's pace; past this, the people left wait for the next tick, so quiz posts
# and reveals behind them are not held up and /readyz (a tick within 60 s) stays green.
REVIEW_BUDGET_SECONDS = 15.0


def post_reviews(ctx: Context) -> list[str]:
    """Personal review DMs, within the tick's budget for them."""
    return delivery.post_due(ctx, budget_seconds=REVIEW_BUDGET_SECONDS)


STEPS: tuple[Callable[[Context], Any], ...] = (
    posting.resolve_unsure,
    posting.post_due,
    posting.send_summaries,
    weekly.send_weekly,
    reveals.close_due,
    reveals.refresh_counts,
    delivery.resolve_unsure,  # review DMs whose answer was lost: found, or sent again once
    post_reviews,  # personal review DMs
    recovery.retry_unhandled,
    questions.forget_old_events,
)


def tick(ctx: Context, stop: threading.Event | None = None) -> None:
    for step in STEPS:
        if stop is not None and stop.is_set():
            return
        try:
            step(ctx)
        except Exception:  # one bad step or channel must not stop the others, nor the next tick
            log.exception("scheduler step %s failed", step.__name__)


class Scheduler:
    """Runs `tick` every `every` seconds in a thread until `stop()`; `last_tick` says when it last finished."""

    def __init__(self, ctx: Context, every: float = TICK_SECONDS) -> None:
        self.ctx, self.every = ctx, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lab2prod-scheduler", daemon=True)
        self.last_tick: float | None = None

    def start(self) -> Scheduler:
        started = time.monotonic()
        metrics.SCHEDULER_LAG.set_function(lambda: time.monotonic() - (self.last_tick or started))
        metrics.BACKGROUND_PENDING.set_function(lambda: self.ctx.background.pending)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            tick(self.ctx, self._stop)
            self.last_tick = time.monotonic()
            self._stop.wait(self.every)

    def stop(self, timeout: float = 20.0) -> bool:
        """Ask the loop to stop after its current step; True when it has."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()
