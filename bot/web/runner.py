"""`lab2prod serve`: migrate, load and validate content, serve Slack (HTTP or Socket Mode), and stop gracefully.

On SIGTERM or SIGINT (every deploy): stop accepting requests, answer the ones in flight, let the background
pool finish the Slack calls it owes (replies, feedback), stop the scheduler between two steps, exit 0. All of
it within SHUTDOWN_SECONDS. Anything acknowledged was stored before its ack, so even a kill -9 loses no data."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from bot.config import Settings
from bot.services.operations.health import readiness
from bot.services.operations.maintenance import upgrade
from bot.services.operations.scheduler import Scheduler
from bot.services.runtime.background import Background
from bot.services.runtime.context import Context, build_context
from bot.services.slack.clients import SlackClients
from bot.services.slack.courier import Courier
from bot.tutor.reading import LazyReaders
from bot.web.bolt_app import create_app
from content.loader import ContentError

log = logging.getLogger("lab2prod.serve")
SHUTDOWN_SECONDS = 20.0


def serve(*, http: bool, host: str, port: int) -> int:
    settings = Settings.from_env()
    missing = settings.missing_for_serve(force_http=http)
    if missing:
        log.error("cannot serve: set %s (see .env.example)", ", ".join(missing))
        return 2
    try:
        ctx = build_context(
            settings.database_url,
            settings.content_dir,
            background=Background(),
            slack=SlackClients(settings.bot_token, settings.api_url),
            courier=Courier().start(),
            group_commit=True,
            llm=settings.llm,
        )
    except ContentError as exc:
        for problem in exc.problems:
            log.error("content: %s", problem)
        return 1
    started = time.perf_counter()
    if isinstance(ctx.matcher, LazyReaders):
        ctx.matcher.readers()  # trained now, not on the first person's question
    log.info("readers ready in %.1f s", time.perf_counter() - started)
    if settings.llm is not None:  # what is sent to it: README, "A language model as a second reader"
        log.info("language model reader on: %s, asked %s", settings.llm.model, settings.llm.ask)
    upgrade(settings.database_url)
    if settings.oauth:
        from bot.services.operations.workspace_lifecycle import connect

        connect(ctx, settings.client_id or "", settings.client_secret or "", settings.api_url)
    socket_mode = settings.socket_mode(force_http=http)
    app = create_app(ctx, settings, socket_mode=socket_mode)
    scheduler = Scheduler(ctx, settings.tick_seconds).start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    # Socket Mode needs no public URL, but the port still serves /healthz, /readyz and /metrics.
    server = _start_http(None if socket_mode else app, ctx, settings, scheduler, host, port)
    handler = None
    if socket_mode:
        from bot.web.socket_mode import start_socket_mode

        handler = start_socket_mode(app, settings.app_token or "")
        log.info("serving Slack over Socket Mode")
    stopping.wait()
    started = time.monotonic()
    if handler is not None:
        handler.close()  # no new envelopes; Slack redelivers any it did not get an ack for
    from bot.web.http_server import stop_gracefully

    answered = stop_gracefully(server, SHUTDOWN_SECONDS)
    log.info("stopped accepting; requests in flight %s", "answered" if answered else "still running at the limit")
    _finish(ctx, scheduler, SHUTDOWN_SECONDS - (time.monotonic() - started))
    server.close()
    return 0


def _start_http(app: Any, ctx: Context, settings: Settings, scheduler: Scheduler, host: str, port: int) -> Any:
    from bot.web.http_server import make_http_server, oauth_pages, wsgi_app

    def ready() -> tuple[bool, dict[str, Any]]:
        return readiness(ctx, lambda: scheduler.last_tick, settings.tick_seconds)

    pages = oauth_pages(app) if app is not None else {}
    application = wsgi_app(app, settings.signing_secret or "", ready, pages)
    server = make_http_server(application, host, port)
    threading.Thread(target=server.run, name="lab2prod-http", daemon=True).start()
    where = f"http://{host}:{server.effective_port}"
    if app is not None:
        log.info("serving Slack on %s/slack/events (also /healthz, /readyz, /metrics)", where)
    else:
        log.info("health, readiness and metrics on %s (/healthz, /readyz, /metrics)", where)
    if pages:
        log.info("install page: %s/slack/install", where)
    return server


def _finish(ctx: Context, scheduler: Scheduler, budget: float) -> None:
    started = time.monotonic()
    ctx.writes.close()  # requests in flight are answered by now: their writes are committed
    scheduler_stopped = scheduler.stop(max(1.0, budget / 2))
    left = max(1.0, budget - (time.monotonic() - started))
    drained = ctx.background.shutdown(left)
    delivered = ctx.courier.close(max(1.0, budget - (time.monotonic() - started))) if ctx.courier else True
    log.info(
        "shutdown: scheduler %s, Slack calls %s, replies %s",
        "stopped" if scheduler_stopped else "still in a step",
        "all sent" if drained else f"{ctx.background.pending} unfinished",
        "all delivered" if delivered else "cut short",
    )
