"""Replies to response_urls carried by a process of their own.

In a burst, hundreds of people click within seconds; each click is acknowledged and then owes its clicker a
private reply. Sending those replies takes more interpreter time than acknowledging the clicks, and threads
of one process share one interpreter, so `serve` hands them to a courier process: the web process only
queues a finished message, and the courier's own threads and connection pool deliver it. A shutdown lets
the courier empty its queue (the web process stops accepting first, so nothing more arrives)."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.util
import os
import signal
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)
WORKERS = 48  # concurrent replies: at 250 ms a reply, about 190 a second
# Acks have Slack's 3-second deadline and replies have none: when the machine's cores are busy, the web
# process goes first. Measured in a burst on 2 cores, the courier's CPU otherwise came out of the acks' share.
NICENESS = 10


class Courier:
    def __init__(self, workers: int = WORKERS, timeout: int = 10) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._queue: Any = context.Queue()
        self._process = context.Process(
            target=_carry, args=(self._queue, workers, timeout), name="lab2prod-courier", daemon=True
        )

    def start(self) -> Courier:
        self._process.start()
        # The courier ignores SIGTERM (see _carry); should this process exit without close(), end its queue
        # before multiprocessing joins its children at exit, or the join would wait forever.
        multiprocessing.util.Finalize(self, self._queue.put, args=(None,), exitpriority=10)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def send(self, url: str, message: Mapping[str, Any]) -> None:
        self._queue.put((url, dict(message)))

    def close(self, timeout: float) -> bool:
        """Deliver what is queued (up to `timeout` seconds), then stop; True when everything went out."""
        self._queue.put(None)
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            return False
        return self._process.exitcode == 0


def _carry(queue: Any, workers: int, timeout: int) -> None:
    """The courier process: deliver each queued reply until the None that ends the queue."""
    from bot import logs
    from bot.services.slack.clients import SlackClients

    logs.configure()
    os.nice(NICENESS)
    # A deploy signals every process; the web process decides when the queue is complete and says so.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = SlackClients(None, timeout=timeout)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lab2prod-courier") as pool:
        while True:
            try:
                item = queue.get()
            except (EOFError, OSError):  # the web process is gone: nothing more will come
                break
            if item is None:
                break
            pool.submit(replies.respond, *item)
