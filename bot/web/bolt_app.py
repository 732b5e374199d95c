"""The Bolt app factory: our listeners, our error policy, and authorization that never calls Slack on a request."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest

from bot.config import Settings
from bot.listeners import register_listeners
from bot.listeners.payloads import NOT_INSTALLED_KEY, tell_privately
from bot.services.asking import assistant
from bot.services.asking.questions import SORRY
from bot.services.operations.health import database_trouble
from bot.services.runtime.context import Context
from bot.services.slack.clients import make_web_client
from bot.services.slack.installations import BOT_SCOPES, ROTATE_MINUTES_BEFORE_EXPIRY

log = logging.getLogger(__name__)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


class WorkspaceAuthorize(Authorize):
    """The token of the workspace a request comes from, found without calling Slack: Bolt's own authorize would
    call auth.test on the ack path. Our listeners skip bot messages themselves, so the bot's ids are not needed."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def __call__(
        self, *, context: Any, enterprise_id: str | None, team_id: str | None, user_id: str | None, **_: Any
    ) -> AuthorizeResult | None:
        try:
            client = self._ctx.slack.for_workspace(team_id or "", enterprise_id)
        except LookupError as exc:
            # Not installed (any more): Bolt's own answer would call the response_url on the ack path and fail
            # the request when that call fails; the listeners' middleware answers instead (payloads.install).
            log.warning("a request from a workspace without a token: %s", exc)
            context[NOT_INSTALLED_KEY] = True
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id)
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=client.token)


def create_app(ctx: Context, settings: Settings, *, socket_mode: bool = False) -> App:
    """An app for HTTP must have the real signing secret; only Socket Mode may go without one.

    With SLACK_BOT_TOKEN it serves one workspace; with installations (OAuth, see services/installations.py)
    it serves every workspace that installed it, and `app.oauth_flow` runs the install pages."""
    if not socket_mode and not (settings.signing_secret or "").strip():
        raise ValueError("SLACK_SIGNING_SECRET is required to serve Slack over HTTP")
    installations = ctx.slack.installations
    if ctx.slack.default is None and installations is None:
        raise ValueError("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) is required to serve Slack")
    oauth_settings = None
    if installations is not None:
        oauth_settings = OAuthSettings(
            client_id=installations.client_id,
            client_secret=installations.client_secret,
            scopes=list(settings.scopes or (*BOT_SCOPES, *assistant.SCOPES)),
            user_scopes=[],
            installation_store=installations.store,
            state_store=installations.state_store,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        )

    app = App(
        # A template for the client Bolt builds per request (address, timeout, retry rules); tokens come from
        # `authorize`. The OAuth flow calls oauth.v2.access with it too.
        client=make_web_client(None, ctx.slack.api_url),
        authorize=WorkspaceAuthorize(ctx),
        oauth_settings=oauth_settings,
        signing_secret=settings.signing_secret or "",
        # HTTP requests are verified on their raw bytes before Bolt sees them (web/request_guard.py); Bolt
        # checks again, which costs microseconds. Socket Mode needs no signature.
        request_verification_enabled=not socket_mode,
        # Listeners store what must not be lost, then ack, and leave every Slack call to the background pool:
        # running them before the response costs no Slack latency and saves Bolt's thread hop and ack polling.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("lab2prod.bolt"),
    )
    app.error(_on_error(ctx))
    register_listeners(app, ctx)
    return app


def _on_error(ctx: Context) -> Any:
    def on_error(error: Exception, request: BoltRequest, body: dict[str, Any]) -> BoltResponse:
        """A listener failed before it could acknowledge. Say sorry once, in the request's own way; never act on
        anything but a verified request (unverified ones never get this far)."""
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        kind = body.get("command") or (event or {}).get("type") or body.get("type")
        reason = database_trouble(error)
        if reason:
            log.error("the database is %s; %s from %s not handled (%s)", reason, kind, body.get("team_id"), error)
        else:
            log.error("unhandled error in %s", kind, exc_info=error)
        if body.get("type") == "event_callback":
            # Slack retries an event it did not get a 2xx for: worth it when the database was out of reach.
            return BoltResponse(status=503 if reason else 200, body="")
        return tell_privately(ctx, body, SORRY)

    return on_error
