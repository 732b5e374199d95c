"""HTTP serving: Bolt's WSGI adapter under waitress (threaded), plus GET /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are a few KB; refuse anything absurd before reading it

StartResponse = Callable[..., Any]


def wsgi_app(app: App, health: Callable[[], dict[str, Any]] | None = None) -> Callable[..., Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            body = json.dumps({"ok": True, **(health() if health else {})}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and method == "POST":
            try:
                size = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            if size > MAX_BODY_BYTES:
                start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
                return [b"payload too large"]
            try:
                return slack(environ, start_response)
            except ValueError:
                # Bolt parses the body before checking the signature; a malformed one must not become a 500.
                log.warning("rejected a malformed Slack request body from %s", environ.get("REMOTE_ADDR"))
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"malformed request body"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: POST /slack/events or GET /healthz"]

    return application


def make_http_server(app: App, host: str, port: int, threads: int = 8, **kw: Any) -> Any:
    """A waitress server (not yet running); `.run()` serves, `.close()` stops. Port 0 picks a free one."""
    from waitress import create_server

    return create_server(wsgi_app(app, **kw), host=host, port=port, threads=threads, ident="lab2prod")
