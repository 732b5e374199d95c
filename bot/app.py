"""The Bolt app factory."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import Settings
from bot.context import Context
from bot.listeners import register_listeners

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side. It has been logged; please try again in a minute."


def make_client(settings: Settings) -> WebClient:
    client = WebClient(token=settings.bot_token, base_url=settings.api_url or WebClient.BASE_URL, timeout=10)
    # Slack answers 429 with Retry-After when we post too fast; wait and retry instead of losing the call.
    client.retry_handlers.extend([RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler()])
    return client


def create_app(ctx: Context, settings: Settings, client: WebClient | None = None, socket_mode: bool = False) -> App:
    """An app for HTTP must verify signatures with the real secret; only Socket Mode may go without one."""
    if not socket_mode and not settings.signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is required to serve Slack over HTTP")
    app = App(
        client=client or make_client(settings),
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,  # no auth.test at start: a bad token is reported by the first call
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("lab2prod.bolt"),
    )

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any, client: WebClient) -> BoltResponse | None:
        event = body.get("event") or {}
        kind = body.get("command") or event.get("type") or body.get("type")
        user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
        log.error("unhandled error in %s for user %s in %s", kind, user, body.get("team_id"), exc_info=error)
        try:
            if body.get("response_url"):
                respond(text=SORRY, response_type="ephemeral", replace_original=False)
            elif event.get("type") in ("message", "app_mention") and event.get("channel") and not event.get("bot_id"):
                # Events carry no response_url: say sorry where the question was asked.
                client.chat_postMessage(
                    channel=event["channel"], thread_ts=event.get("thread_ts") or event.get("ts"), text=SORRY
                )
        except Exception:
            log.exception("could not tell the user about the error")
        return None

    register_listeners(app, ctx)
    return app
