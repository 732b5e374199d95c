"""Builds signed Slack requests (events, slash commands, block actions) and sends them to the app over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"


def sign(body: str, timestamp: int | str, secret: str = SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlackSender:
    url: str  # http://127.0.0.1:PORT/slack/events
    secret: str = SIGNING_SECRET

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": sign(body, ts, self.secret) if signature is None else signature,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as resp:
                return Response(resp.status, resp.read().decode())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.read().decode())

    def event(self, event: dict[str, Any], *, event_id: str, team: str = "T1", **kw: Any) -> Response:
        body = json.dumps(
            {
                "token": "x",
                "team_id": team,
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
            }
        )
        return self.post(body, "application/json", **kw)

    def command(
        self,
        text: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        team: str = "T1",
        response_url: str = "http://127.0.0.1:9/none",
        enterprise: str | None = None,
        **kw: Any,
    ) -> Response:
        grid = {"enterprise_id": enterprise, "is_enterprise_install": "true"} if enterprise else {}
        form = {
            "token": "x",
            **grid,
            "team_id": team,
            "channel_id": channel,
            "user_id": user,
            "user_name": user.lower(),
            "command": "/tutor",
            "text": text,
            "response_url": response_url,
            "trigger_id": "t1",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kw)

    def block_action(self, payload: dict[str, Any], **kw: Any) -> Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **kw)


def click(
    block: dict[str, Any],
    element: dict[str, Any],
    *,
    user: str = "U1",
    team: str = "T1",
    channel: str = "C1",
    message: dict[str, Any] | None = None,
    response_url: str,
    state: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    message_ts: str = "1.0",
) -> dict[str, Any]:
    """A block_actions payload for a click on `element`, taken from blocks the app really sent, in the message
    `message_ts` of `channel`."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "t1",
        "container": container or {"type": "message", "channel_id": channel, "message_ts": message_ts},
        "channel": {"id": channel, "name": "general"},
        "message": message or {"ts": message_ts, "blocks": [block]},
        "response_url": response_url,
        "state": {"values": state or {}},
        "actions": [
            {
                "type": element["type"],
                "action_id": element["action_id"],
                "block_id": block.get("block_id", "b"),
                "value": element.get("value"),
                "text": element.get("text"),
                "action_ts": str(time.time()),
            }
        ],
    }


def find_element(blocks: list[dict[str, Any]], action_id_prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id", "").startswith(action_id_prefix):
                return block, element
        accessory = block.get("accessory")
        if accessory and accessory.get("action_id", "").startswith(action_id_prefix):
            return block, accessory
    raise AssertionError(f"no element with action_id {action_id_prefix!r} in {json.dumps(blocks)[:500]}")


def answer_click(blocks: list[dict[str, Any]], index: int = 0, prefix: str = "quiz", **click_kw: Any) -> dict[str, Any]:
    """The click that answers a posted question with option `index`: its button, or for a multi-select question
    that box ticked and Submit pressed."""
    try:
        block, element = find_element(blocks, f"{prefix}_pick:{index}")
        return click(block, element, **click_kw)
    except AssertionError:
        block, submit = find_element(blocks, f"{prefix}_submit")
        _, boxes = find_element(blocks, f"{prefix}_boxes")
        state = {block["block_id"]: {f"{prefix}_boxes": {"selected_options": [boxes["options"][index]]}}}
        return click(block, submit, state=state, **click_kw)
