"""HTTP serving: verification on raw bytes, then Bolt, under waitress; GET /healthz and /readyz.

Order of a POST to /slack/events: size limit (413) -> signature and timestamp on the raw bytes (401) ->
parsing and the payload's shape (400) -> Bolt. A request that fails a step never reaches the next one."""

from __future__ import annotations

import json
import logging
import resource
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.web.payload_shape import shape_problem
from bot.web.request_guard import RequestGuard

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few KB; anything this big is refused before it is read
# waitress, chosen on purpose (see README, "Running it"): stalled clients are dropped fast and cannot
# use up the connection slots that Slack's requests and health checks need.
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 15  # seconds a connection may sit idle or half-sent before it is closed
CLEANUP_INTERVAL = 2  # how often idle connections are looked for
THREADS = 8

StartResponse = Callable[..., Any]
Health = Callable[[], tuple[bool, dict[str, Any]]]


def _reply(start_response: StartResponse, status: str, body: bytes, content_type: str = "text/plain") -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response: StartResponse, status: str, data: dict[str, Any]) -> list[bytes]:
    return _reply(start_response, status, json.dumps(data).encode(), "application/json")


def wsgi_app(
    app: App,
    signing_secret: str,
    ready: Health | None = None,
    extra_routes: dict[str, Callable[..., Any]] | None = None,
) -> Callable[..., Iterable[bytes]]:
    guard = RequestGuard(signing_secret)
    routes = extra_routes or {}

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _json(start_response, "200 OK", {"ok": True})
        if path == "/readyz" and method in ("GET", "HEAD"):
            ok, checks = ready() if ready else (True, {})
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", {"ok": ok, **checks})
        if path in routes and method in ("GET", "HEAD"):
            return routes[path](environ, start_response)
        if path == EVENTS_PATH and method == "POST":
            return _slack(app, guard, environ, start_response)
        return _reply(start_response, "404 Not Found", b"not found: POST /slack/events, GET /healthz or /readyz")

    return application


def _slack(app: App, guard: RequestGuard, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    length = environ.get("CONTENT_LENGTH") or ""
    if not length.isdigit():
        return _reply(start_response, "411 Length Required", b"a Content-Length is required")
    if int(length) > MAX_BODY_BYTES:
        return _reply(start_response, "413 Payload Too Large", b"payload too large")
    raw = environ["wsgi.input"].read(int(length))
    problem = guard.problem(raw, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE"))
    if problem:
        log.info("refused a request from %s: %s", environ.get("REMOTE_ADDR"), problem)
        return _reply(start_response, "401 Unauthorized", b"invalid request signature")
    headers = {
        key[5:].replace("_", "-").lower(): [value]
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    }
    headers["content-type"] = [environ.get("CONTENT_TYPE") or ""]
    try:
        request = BoltRequest(body=raw.decode("utf-8"), query=environ.get("QUERY_STRING") or "", headers=headers)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        log.warning("refused a signed request that could not be parsed: %s", exc.__class__.__name__)
        return _reply(start_response, "400 Bad Request", b"malformed request body")
    problem = shape_problem(request.body)
    if problem:
        log.warning("refused a signed request with a malformed payload: %s", problem)
        return _reply(start_response, "400 Bad Request", f"malformed payload: {problem}".encode())
    response = app.dispatch(request)
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body or b"")
    status = f"{response.status} {'OK' if response.status < 400 else 'Error'}"
    response_headers = [
        (k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"
    ]
    start_response(status, [*response_headers, ("Content-Length", str(len(body)))])
    return [body]


def raise_open_file_limit() -> int:
    """Connection slots need file descriptors: take the hard limit the system allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def make_http_server(application: Callable[..., Iterable[bytes]], host: str, port: int, threads: int = THREADS) -> Any:
    """A waitress server (not yet running); `.run()` serves. Port 0 picks a free one."""
    from waitress import create_server

    limit = min(CONNECTION_LIMIT, max(64, raise_open_file_limit() - 64))
    return create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="lab2prod",
        connection_limit=limit,
        channel_timeout=CHANNEL_TIMEOUT,
        cleanup_interval=CLEANUP_INTERVAL,
        max_request_body_size=MAX_BODY_BYTES,
        backlog=1024,
    )


def stop_gracefully(server: Any, timeout: float) -> bool:
    """Stop accepting connections, then wait (up to `timeout`) for the requests in flight to be answered."""
    closed = threading.Event()

    def stop_accepting() -> None:
        server.accepting = False
        try:
            server.socket.close()
        finally:
            closed.set()

    server.trigger.pull_trigger(stop_accepting)  # runs in waitress's own loop thread
    closed.wait(2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        channels = list(server.active_channels.values())
        busy = any(channel.requests or channel.total_outbufs_len for channel in channels)
        if not busy and not server.task_dispatcher.queue:
            return True
        time.sleep(0.05)
    return False
