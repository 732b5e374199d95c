"""Slack work done after the ack, on a bounded pool of its own.

Slack gives an HTTP request 3 seconds and answers each Web API call in 100-500 ms, sometimes far slower.
Whatever talks to Slack on a person's behalf is handed here, so the request that acked never waits on it
and a slow or hung call ties up one of these workers, not the server. `drain` lets a shutdown finish what
was promised before the process exits."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)
DEFAULT_WORKERS = 48  # at 250 ms a call, about 190 Slack calls a second; threads mostly wait on sockets


class Background:
    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        """`workers=0` runs each job at once in the caller's thread (the CLI, and tests that want no threads)."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lab2prod-slack") if workers else None
        self._pending = 0
        self._idle = threading.Condition()

    @classmethod
    def inline(cls) -> Background:
        return cls(workers=0)

    @property
    def pending(self) -> int:
        with self._idle:
            return self._pending

    def submit(self, job: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Run `job` soon. A failure is logged with the job's name, never raised to the submitter."""
        with self._idle:
            self._pending += 1
        if self._pool is None:
            self._run(job, args, kwargs)
            return
        try:
            self._pool.submit(self._run, job, args, kwargs)
        except RuntimeError:  # the pool was shut down: do it here rather than drop a promised reply
            self._run(job, args, kwargs)

    def _run(self, job: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            job(*args, **kwargs)
        except Exception:
            log.exception("background job %s failed", getattr(job, "__qualname__", job))
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until every submitted job has finished (True) or `timeout` seconds pass (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def shutdown(self, timeout: float) -> bool:
        finished = self.drain(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=not finished)
        return finished
