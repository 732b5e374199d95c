"""Socket Mode: Slack's events over a websocket the app opens (no public URL needed)."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import metrics
from bot.web.payload_shape import shape_problem, surface_of

log = logging.getLogger(__name__)


class CheckedSocketModeHandler(SocketModeHandler):
    """Envelopes with a malformed payload are acknowledged and dropped with one log line, never a traceback."""

    def handle(self, client: Any, req: SocketModeRequest) -> None:
        started = time.perf_counter()
        surface = surface_of(req.payload)
        problem = shape_problem(req.payload)
        if problem:
            log.warning("dropped a malformed %s envelope: %s", req.type, problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            metrics.REQUESTS.labels(surface, "malformed").inc()
            return
        try:
            super().handle(client, req)
        except Exception as exc:
            log.error("a %s envelope could not be handled: %s", req.type, exc.__class__.__name__)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            metrics.REQUESTS.labels(surface, "error").inc()
            return
        metrics.REQUESTS.labels(surface, "ok").inc()
        metrics.ACK_SECONDS.labels(surface).observe(time.perf_counter() - started)


def start_socket_mode(app: App, app_token: str) -> CheckedSocketModeHandler:
    handler = CheckedSocketModeHandler(app, app_token)
    handler.connect()
    return handler
