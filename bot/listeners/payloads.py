"""Reading Slack payloads tolerantly, and reaching the services' context from a listener.

Slack's payloads are trusted only after the signature check, and even then every field is read as if it
might be missing or of the wrong type: a malformed payload gets a polite "couldn't read that", never a
traceback."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.services.asking.questions import Asked
from bot.services.runtime.context import Context
from bot.services.slack.clients import NOT_INSTALLED

CONTEXT_KEY = "lab2prod"
NOT_INSTALLED_KEY = "lab2prod_not_installed"  # set by authorize: the workspace holds no token of ours


def install(app: App, ctx: Context) -> None:
    """Hand the services' context to every listener through Bolt's context (so listeners are plain functions
    that a test can call with a fake ack and a dict)."""

    @app.middleware
    def with_services(context: BoltContext, body: dict[str, Any], next: Any) -> Any:
        if context.get(NOT_INSTALLED_KEY):
            return not_installed(ctx, body)
        context[CONTEXT_KEY] = ctx
        return next()


def not_installed(ctx: Context, body: dict[str, Any]) -> BoltResponse:
    """A request from a workspace that removed the app (or never finished installing it): say so, do nothing."""
    return tell_privately(ctx, body, NOT_INSTALLED)


def tell_privately(ctx: Context, body: dict[str, Any], text: str) -> BoltResponse:
    """The acknowledgement that tells the person `text` in the request's own way: a command's reply rides on its
    ack; a click's goes to its response_url after the ack; an event has nobody to tell."""
    if body.get("command"):
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": text}),
            headers={"content-type": "application/json"},
        )
    response_url = body.get("response_url")
    if isinstance(response_url, str) and response_url:
        message = {"text": text, "response_type": "ephemeral", "replace_original": False}
        ctx.background.submit(ctx.slack.respond, response_url, message)
    return BoltResponse(status=200, body="")


def services(context: BoltContext | dict[str, Any]) -> Context:
    return context[CONTEXT_KEY]


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def field(mapping: Any, *path: str) -> str:
    """A string at `path` inside nested dicts, or "" when anything on the way is missing or not a dict."""
    for key in path:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return text(mapping)


def asked(body: dict[str, Any], event: dict[str, Any], surface: str, words: str | None = None) -> Asked:
    """A message event as a question: its words (or `words`, cleaned by the caller), who asked where, and the
    thread it was asked in (a reply inside a thread is answered there)."""
    return Asked(
        text(event.get("text")) if words is None else words,
        field(body, "team_id"),
        field(event, "user"),
        field(event, "channel"),
        surface,
        thread_ts=field(event, "thread_ts") or None,
    )


def team_of(body: dict[str, Any]) -> str:
    return field(body, "team", "id") or field(body, "user", "team_id") or field(body, "team_id")


def user_of(body: dict[str, Any]) -> str:
    return field(body, "user", "id") or field(body, "user_id")


def channel_of(body: dict[str, Any]) -> str | None:
    return field(body, "channel", "id") or field(body, "container", "channel_id") or None


def message_ts_of(body: dict[str, Any]) -> str | None:
    return field(body, "container", "message_ts") or field(body, "message", "ts") or None


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def picked(value: str) -> tuple[str, frozenset[int]] | None:
    """A button value "REF:INDEX" as (REF, {INDEX}); None when it is not one."""
    ref, _, index = value.rpartition(":")
    return (ref, frozenset({int(index)})) if ref and index.isdigit() and len(index) < 3 else None


def ticked(body: dict[str, Any], action_id: str) -> frozenset[int]:
    """The boxes ticked in a message's checkboxes, read from the state Slack sends with the Submit click."""
    chosen: set[int] = set()
    values = (body.get("state") or {}).get("values") if isinstance(body.get("state"), dict) else None
    for block in values.values() if isinstance(values, dict) else ():
        element = block.get(action_id) if isinstance(block, dict) else None
        options = element.get("selected_options") if isinstance(element, dict) else None
        for option in options if isinstance(options, list) else ():
            value = field(option, "value")
            if value.isdigit() and len(value) < 3:
                chosen.add(int(value))
    return frozenset(chosen)
