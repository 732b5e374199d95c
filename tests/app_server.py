"""Serves the Bolt app the production way (our WSGI front, waitress) on a free local port, for tests and benchmarks."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.web.http_server import THREADS, make_http_server, oauth_pages, wsgi_app
from tests.slack_requests import SIGNING_SECRET, SlackSender


@dataclass
class Page:
    status: int
    body: str
    cookie: str | None = None  # the Set-Cookie header, if any


def http_get(url: str, cookie: str | None = None) -> Page:
    """GET `url` as a browser or a health checker would; an HTTP error status is a Page, not an exception."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Page(response.status, response.read().decode(), response.headers.get("Set-Cookie"))
    except urllib.error.HTTPError as err:
        return Page(err.code, err.read().decode(), err.headers.get("Set-Cookie"))


@contextmanager
def serving(
    app: App,
    threads: int = THREADS,  # as `serve` runs it
    secret: str = SIGNING_SECRET,
    ready: Callable[[], tuple[bool, dict[str, Any]]] | None = None,
) -> Iterator[SlackSender]:
    application = wsgi_app(app, secret, ready, oauth_pages(app))
    server = make_http_server(application, "127.0.0.1", 0, threads=threads)
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
