"""HTTP serving: verification on raw bytes, then Bolt, under waitress; GET /healthz, /readyz and /metrics; the
OAuth install pages when the app is installable in many workspaces.

Order of a POST to /slack/events: size limit (413) -> signature and timestamp on the raw bytes (401) ->
parsing and the payload's shape (400) -> Bolt. A request that fails a step never reaches the next one."""

from __future__ import annotations

import json
import logging
import resource
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot import metrics
from bot.web.payload_shape import shape_problem, surface_of
from bot.web.request_guard import RequestGuard

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few KB; anything this big is refused before it is read
# waitress, chosen on purpose (see README, "Running it"): stalled clients are dropped fast and cannot
# use up the connection slots that Slack's requests and health checks need.
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 15  # seconds a connection may sit idle or half-sent before it is closed
CLEANUP_INTERVAL = 2  # how often idle connections are looked for
# Request threads. Answers from concurrent requests are committed together (services/group_commit), so more
# threads mean fuller batches: measured in a burst, 8 threads -> about 4 answers a commit and 440 clicks/s,
# 16 -> about 8 and 600 clicks/s. They mostly wait, on the socket or on that commit.
THREADS = 16

_KNOWN = {status.value for status in HTTPStatus}
_OUTCOMES = {401: "unsigned", 400: "malformed", 411: "malformed", 413: "too_large"}
StartResponse = Callable[..., Any]
Health = Callable[[], tuple[bool, dict[str, Any]]]


def _reply(start_response: StartResponse, status: str, body: bytes, content_type: str = "text/plain") -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response: StartResponse, status: str, data: dict[str, Any]) -> list[bytes]:
    return _reply(start_response, status, json.dumps(data).encode(), "application/json")


def wsgi_app(
    app: App | None,
    signing_secret: str,
    ready: Health | None = None,
    extra_routes: dict[str, Callable[..., Any]] | None = None,
) -> Callable[..., Iterable[bytes]]:
    """Our HTTP front. With `app=None` (Socket Mode) it serves only health, readiness and metrics."""
    guard = RequestGuard(signing_secret) if app is not None else None
    routes = extra_routes or {}

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _json(start_response, "200 OK", {"ok": True})
        if path == "/readyz" and method in ("GET", "HEAD"):
            ok, checks = ready() if ready else (True, {})
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", {"ok": ok, **checks})
        if path == "/metrics" and method in ("GET", "HEAD"):
            page, content_type = metrics.exposition()
            return _reply(start_response, "200 OK", page, content_type)
        if path in routes and method in ("GET", "HEAD"):
            return routes[path](environ, start_response)
        if path == EVENTS_PATH and method == "POST" and app is not None and guard is not None:
            started = time.perf_counter()
            surface, status, body = _slack(app, guard, environ, start_response)
            outcome = _OUTCOMES.get(status, "ok" if status < 400 else "error" if status >= 500 else "refused")
            metrics.REQUESTS.labels(surface, outcome).inc()
            if status < 400:
                metrics.ACK_SECONDS.labels(surface).observe(time.perf_counter() - started)
            return body
        return _reply(start_response, "404 Not Found", b"not found")

    return application


def _slack(
    app: App, guard: RequestGuard, environ: dict[str, Any], start_response: StartResponse
) -> tuple[str, int, list[bytes]]:
    """(surface, HTTP status, body) of one request to /slack/events."""
    length = environ.get("CONTENT_LENGTH") or ""
    if not length.isdigit():
        return "unknown", 411, _reply(start_response, "411 Length Required", b"a Content-Length is required")
    if int(length) > MAX_BODY_BYTES:
        return "unknown", 413, _reply(start_response, "413 Payload Too Large", b"payload too large")
    raw = environ["wsgi.input"].read(int(length))
    problem = guard.problem(raw, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE"))
    if problem:
        log.info("refused a request from %s: %s", environ.get("REMOTE_ADDR"), problem)
        return "unknown", 401, _reply(start_response, "401 Unauthorized", b"invalid request signature")
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
        return "unknown", 400, _reply(start_response, "400 Bad Request", b"malformed request body")
    surface = surface_of(request.body)
    problem = shape_problem(request.body)
    if problem:
        log.warning("refused a signed request with a malformed payload: %s", problem)
        return surface, 400, _reply(start_response, "400 Bad Request", f"malformed payload: {problem}".encode())
    response = app.dispatch(request)
    return surface, response.status, _send(start_response, response)


def _send(start_response: StartResponse, response: BoltResponse) -> list[bytes]:
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body or b"")
    status = f"{response.status} {HTTPStatus(response.status).phrase if response.status in _KNOWN else 'Status'}"
    response_headers = [
        (k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"
    ]
    start_response(status, [*response_headers, ("Content-Length", str(len(body)))])
    return [body]


def oauth_pages(app: App) -> dict[str, Callable[..., Iterable[bytes]]]:
    """GET /slack/install (the "Add to Slack" page, which sets the OAuth state cookie) and GET
    /slack/oauth_redirect (Slack sends the installer back here with a code): Bolt's OAuth flow, served by us."""
    flow = app.oauth_flow
    if flow is None:
        return {}

    def page(handle: Callable[[BoltRequest], BoltResponse]) -> Callable[..., Iterable[bytes]]:
        def serve_page(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            request = BoltRequest(
                body="",
                query=environ.get("QUERY_STRING") or "",
                headers={"cookie": [environ.get("HTTP_COOKIE") or ""]},
            )
            return _send(start_response, handle(request))

        return serve_page

    return {
        flow.install_path: page(flow.handle_installation),
        flow.redirect_uri_path: page(flow.handle_callback),
    }


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
    # waitress warns on every request that waits for a thread: a burst would fill the log with one line per
    # click. How long requests wait shows in lab2prod_ack_seconds instead.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
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
