"""The in-process scheduler `serve` starts: every tick posts due quizzes, reveals closed ones, catches up counts.

Several processes may run it at once (and cron may run `post-quiz` beside it): the database's unique
(channel, local date) key and the conditional close make every step safe to repeat.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from slack_sdk import WebClient

from bot import quiz_service
from bot.context import Context
from storage.db import transaction
from storage.repos import questions

log = logging.getLogger(__name__)
TICK_SECONDS = 30
EVENT_MEMORY = timedelta(days=2)


def forget_old_events(ctx: Context, client: WebClient) -> None:
    with transaction(ctx.sessions) as session:
        questions.forget_events(session, ctx.clock() - EVENT_MEMORY)


def tick(ctx: Context, client: WebClient) -> None:
    for step in (quiz_service.post_due, quiz_service.close_due, quiz_service.refresh_counts, forget_old_events):
        try:
            step(ctx, client)
        except Exception:  # one bad step or channel must not stop the others, nor the next tick
            log.exception("scheduler step %s failed", step.__name__)


def start(ctx: Context, client: WebClient, every: float = TICK_SECONDS) -> threading.Event:
    """Run `tick` every `every` seconds in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            tick(ctx, client)
            stop.wait(every)

    threading.Thread(target=loop, name="lab2prod-scheduler", daemon=True).start()
    return stop
