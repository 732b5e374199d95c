"""Slack Web API clients and response_url replies, with the retry rules real Slack needs.

Retrying is only safe when Slack cannot have acted. A 429 (rate limited) is always retried after its
Retry-After. A connection that never opened is always retried. A dropped connection, a timeout or a 5xx
may hide a call Slack did carry out, so those are retried only for calls that are safe to repeat (an
update, a lookup, a publish); a post is never sent twice blindly. The quiz poster resolves such doubts
by looking for its own message (services/posting.py)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Mapping
from http.client import RemoteDisconnected
from typing import Any, Protocol
from urllib.error import URLError

import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from urllib3.util.retry import Retry

from bot import metrics

log = logging.getLogger(__name__)
NOT_INSTALLED = (
    "lab2prod isn't installed in this workspace (it was removed, or the install was not finished). "
    "A workspace admin can add it again from the app's install page."
)
TIMEOUT_SECONDS = 10
RATE_LIMIT_RETRIES = 8  # each waits Retry-After: a burst is slowed down, never dropped
# Calls whose repetition changes nothing: safe to send again when the first attempt's fate is unknown.
REPEATABLE = frozenset(
    {
        "chat.update",
        "views.publish",
        "users.info",
        "users.list",
        "conversations.info",
        "conversations.history",
        "auth.test",
        "apps.connections.open",
    }
)


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1]


def _never_connected(error: Exception | None) -> bool:
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


class SafeRetryHandler(RetryHandler):
    """Retries what cannot double an action: refused connections always; drops, timeouts and 5xx only for
    repeatable methods."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = _method_of(request)
        if response is not None:
            return response.status_code in (500, 502, 503, 504) and method in REPEATABLE
        if error is None:
            return False
        if _never_connected(error):
            return True
        ambiguous = isinstance(error, URLError | ConnectionError | RemoteDisconnected | TimeoutError | socket.timeout)
        return ambiguous and method in REPEATABLE


class CallCounter(RetryHandler):
    """Never retries: first among the retry handlers, it is shown every attempt's outcome (a 200, an HTTP error,
    a network error) and counts it in lab2prod_slack_calls_total. Bolt copies the handlers into the client it
    makes for each request, so the listeners' calls are counted too."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = _method_of(request)
        if response is None:
            result = error.__class__.__name__
        elif response.status_code == 429:
            result = "ratelimited"
        elif response.status_code != 200:
            result = f"http_{response.status_code}"
        else:
            body = response.body if isinstance(response.body, dict) else {}
            result = "ok" if body.get("ok", True) else str(body.get("error") or "not_ok")
        metrics.slack_call(method, result)
        return False


def retry_handlers() -> list[RetryHandler]:
    return [
        CallCounter(),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        SafeRetryHandler(max_retry_count=2),
    ]


def make_web_client(token: str | None, api_url: str | None = None, timeout: int = TIMEOUT_SECONDS) -> WebClient:
    client = WebClient(token=token, base_url=api_url or WebClient.BASE_URL, timeout=timeout)
    client.retry_handlers = retry_handlers()
    return client


def slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or exc.response.status_code)


# response_url replies: 429s wait out Retry-After and refused connections are retried; a read error or a 5xx
# (Slack may have posted the reply) is not, since a second ephemeral message would be a duplicate.
RESPONSE_URL_RETRIES = Retry(
    total=RATE_LIMIT_RETRIES,
    connect=2,
    read=0,
    other=0,
    status=RATE_LIMIT_RETRIES,
    status_forcelist=frozenset({429}),
    allowed_methods=None,
    respect_retry_after_header=True,
    raise_on_status=False,
)


class NotInstalled(LookupError):
    """The app holds no token for the workspace: it was uninstalled, or never installed there."""


class TokenSource(Protocol):
    """Where each workspace's bot token comes from (the OAuth installations): named here, not imported, so
    the clients never depend on the installations that are built on them."""

    def bot_token(self, workspace_id: str, enterprise_id: str | None = None) -> str | None: ...


class SlackClients:
    """The Web API client for each workspace the app serves: one, with SLACK_BOT_TOKEN; or each installed
    workspace's, with `installations` (OAuth). Also the connection pool that carries replies to response_urls
    (kept alive: a burst of answers reuses its connections)."""

    def __init__(
        self,
        token: str | None,
        api_url: str | None = None,
        timeout: int = TIMEOUT_SECONDS,
        installations: TokenSource | None = None,
    ) -> None:
        self.api_url = api_url
        self.installations = installations
        self._timeout = timeout
        self._client = make_web_client(token, api_url, timeout) if token else None
        self._by_token: dict[str, WebClient] = {}
        self._replies = urllib3.PoolManager(
            num_pools=4, maxsize=64, timeout=urllib3.Timeout(connect=5, read=timeout), retries=RESPONSE_URL_RETRIES
        )

    def respond(self, url: str, message: Mapping[str, Any]) -> bool:
        """Post a reply to a click's or a command's response_url (no Web API rate tier applies to it).

        True when Slack took it; a failure is logged, never raised (the person's action is already stored)."""
        if not url.startswith(("https://", "http://")):
            log.warning("not a response_url: %.60s", url)
            return False
        try:
            response = self._replies.request(
                "POST", url, body=json.dumps(message).encode(), headers={"Content-Type": "application/json"}
            )
        except urllib3.exceptions.HTTPError as exc:  # a dropped connection or a timeout: Slack may have it
            log.warning("reply to response_url failed: %s", exc.__class__.__name__)
            metrics.slack_call("response_url", exc.__class__.__name__)
            return False
        for attempt in response.retries.history if response.retries else ():
            failed = attempt.error.__class__.__name__ if attempt.error else f"http_{attempt.status}"
            metrics.slack_call("response_url", "ratelimited" if attempt.status == 429 else failed)
        metrics.slack_call("response_url", "ok" if response.status == 200 else f"http_{response.status}")
        if response.status != 200:
            log.warning("response_url answered %s: %s", response.status, response.data[:200])
            return False
        return True

    @property
    def default(self) -> WebClient | None:
        return self._client

    def for_workspace(self, workspace_id: str, enterprise_id: str | None = None) -> WebClient:
        """The client that acts in `workspace_id`; NotInstalled when the app holds no token for it."""
        if self.installations is None:
            if self._client is None:
                raise NotInstalled(f"no Slack token for workspace {workspace_id}: set SLACK_BOT_TOKEN")
            return self._client
        token = self.installations.bot_token(workspace_id, enterprise_id)
        if token is None:
            raise NotInstalled(f"the app is not installed in workspace {workspace_id}")
        client = self._by_token.get(token)
        if client is None:
            client = self._by_token[token] = make_web_client(token, self.api_url, self._timeout)
        return client
