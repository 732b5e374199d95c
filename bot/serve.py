"""`lab2prod serve`: migrate, load and validate content, then serve Slack over Socket Mode or HTTP."""

from __future__ import annotations

import logging

from bot import scheduler
from bot.app import create_app
from bot.config import Settings
from bot.context import build_context
from content.loader import ContentError
from storage.db import upgrade

log = logging.getLogger("lab2prod.serve")


def serve(*, http: bool, host: str, port: int) -> int:
    settings = Settings.from_env()
    missing = settings.missing_for_serve(force_http=http)
    if missing:
        log.error("cannot serve: set %s (see .env.example)", ", ".join(missing))
        return 2
    try:
        ctx = build_context(settings.database_url, settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            log.error("content: %s", problem)
        return 1
    upgrade(settings.database_url)
    app = create_app(ctx, settings, socket_mode=settings.socket_mode(force_http=http))
    scheduler.start(ctx, app.client, settings.tick_seconds)
    if settings.socket_mode(force_http=http):
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("serving Slack over Socket Mode")
        SocketModeHandler(app, settings.app_token).start()
        return 0
    from bot.server import make_http_server

    server = make_http_server(app, host, port)
    log.info("serving Slack on http://%s:%s/slack/events (health: /healthz)", host, port)
    try:
        server.run()
    finally:
        server.close()
    return 0
