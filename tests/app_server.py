"""Serves a Bolt app the production way (waitress, threaded) on a free local port, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import App

from bot.server import make_http_server
from tests.slack_requests import SlackSender


@contextmanager
def serving(app: App, threads: int = 8) -> Iterator[SlackSender]:
    server = make_http_server(app, "127.0.0.1", 0, threads=threads)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not stopping.is_set():  # closing the sockets under waitress's select() is how it stops
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    try:
        yield SlackSender(f"http://{host}:{port}/slack/events")
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=5)
