"""Short writes from many request threads, committed together by one writer thread.

In a quiz-time burst every click stores one answer. Committed one by one, from as many threads as the server
runs, each click paid for a transaction of its own (about half of its database time) and its thread gave up
the interpreter at every SQLite call, so threads queued for it and the web process spent most of its CPU
switching between them. Here a request thread hands its write over and waits; one thread takes whatever has
queued meanwhile and runs it in a single transaction. The caller still returns only after its write is
committed: "stored before acknowledged" holds as before.

A batch that fails is rolled back. When the database itself is out of reach (locked by another process,
read-only, full, down) every write in it fails with that error at once; otherwise each write is retried
alone, so one bad write fails only the request it belongs to, with the same exception as before."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot import metrics
from storage.db import transaction, unavailable_reason

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BATCH = 64  # beyond a few dozen writes per transaction nothing more is saved (measured: 16 ≈ 64)

Write = Callable[[Session], Any]


class GroupCommit:
    def __init__(self, sessions: sessionmaker[Session], *, threaded: bool = True) -> None:
        """`threaded=False` runs each write at once in the caller's own transaction (the CLI, most tests)."""
        self._sessions = sessions
        self._queue: queue.SimpleQueue[tuple[Write, Future[Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closing = False
        if threaded:
            self._thread = threading.Thread(target=self._drain_forever, name="lab2prod-writer", daemon=True)
            self._thread.start()

    def run(self, write: Callable[[Session], T]) -> T:
        """Run `write` in a transaction and return its result once committed; raise what it (or the commit) raised."""
        if self._closing or self._thread is None or not self._thread.is_alive():
            return self._alone(write)
        done: Future[T] = Future()
        self._queue.put((write, done))
        return done.result()

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then stop the writer thread."""
        self._closing = True  # from now on callers write for themselves: nothing queues behind the end
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)

    def _drain_forever(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:  # close(): finish this batch, then stop
                    self._commit(batch)
                    return
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Write, Future[Any]]]) -> None:
        metrics.WRITE_BATCH.observe(len(batch))
        try:
            with transaction(self._sessions) as session:
                results = [write(session) for write, _ in batch]
        except BaseException as exc:
            if len(batch) == 1 or unavailable_reason(exc):
                # Locked, read-only, full or down: every write would fail the same way, each after its own
                # busy timeout. Tell them all now; the people are asked to try again.
                for _, done in batch:
                    done.set_exception(exc)
                return
            log.info("a batch of %d writes failed; retrying each alone", len(batch))
            for write, done in batch:
                self._settle(done, write)
            return
        for (_, done), result in zip(batch, results, strict=True):
            done.set_result(result)

    def _alone(self, write: Callable[[Session], T]) -> T:
        with transaction(self._sessions) as session:
            return write(session)

    def _settle(self, done: Future[Any], write: Write) -> None:
        """Run one write in a transaction of its own and hand its result, or its exception, to its caller."""
        try:
            result = self._alone(write)
        except BaseException as exc:  # the caller re-raises it in its own thread
            done.set_exception(exc)
        else:
            done.set_result(result)
