"""What a Slack payload must look like before Bolt reads it.

Bolt reads ids out of a payload (team, user, channel, enterprise, authorizations...) assuming Slack's shapes;
a payload with `"authorizations": [null]` or `"user": 5` makes it raise deep inside, and the request would
end as a 500 with a traceback. Checked here first, such a payload is a clear 400. Only the fields Bolt and
our listeners read are checked, wherever they may appear (the top level, `event`, `message`...)."""

from __future__ import annotations

from typing import Any

_ID_HOLDERS = ("enterprise", "team", "user", "channel")  # a string id, or an object with an "id"
_OBJECTS = (
    "event",
    "message",
    "previous_message",
    "view",
    "container",
    "state",
    "function_data",
    "inputs",
    "assistant_thread",
)
_LISTS_OF_OBJECTS = ("authorizations", "actions", "response_urls")
_STRINGS = (
    "type",
    "subtype",
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "user_team",
    "context_team_id",
    "context_enterprise_id",
    "api_app_id",
    "event_id",
    "command",
    "response_url",
    "trigger_id",
    "callback_id",
    "action_id",
    "block_id",
    "value",
    "ts",
    "thread_ts",
    "message_ts",
    "channel_type",
    "bot_id",
    "tab",
    "function_execution_id",
    "bot_access_token",
)
_BOOLEANS = ("is_ext_shared_channel", "is_enterprise_install")
MAX_DEPTH = 4  # how deep the checked fields are looked for (event.message.user...)


def _nonempty_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value)


def _strings(node: Any, *keys: str) -> bool:
    return isinstance(node, dict) and all(isinstance(node.get(key), str) for key in keys)


def _thread_ok(event: dict[str, Any]) -> bool:
    """A split-view event names its thread: Bolt's Assistant middleware raises on one that does not."""
    if not event["type"].startswith("assistant_thread_"):
        return True
    thread = event.get("assistant_thread")
    return _strings(thread, "channel_id", "thread_ts") and isinstance(thread.get("context") or {}, dict)


# Each kind of payload Slack sends, and what Bolt reads from it without looking first (a missing `view.type`
# or an empty `actions` list is an exception inside Bolt's matchers).
_KINDS: dict[str, Any] = {
    "event_callback": lambda b: _strings(b.get("event"), "type") and _thread_ok(b["event"]),
    "url_verification": lambda b: _strings(b, "challenge"),
    "app_rate_limited": lambda b: True,
    "block_actions": lambda b: _nonempty_list(b.get("actions")) and all(_strings(a, "action_id") for a in b["actions"]),
    "block_suggestion": lambda b: _strings(b, "action_id"),
    "view_submission": lambda b: _strings(b.get("view"), "type", "callback_id"),
    "view_closed": lambda b: _strings(b.get("view"), "type", "callback_id"),
    "shortcut": lambda b: _strings(b, "callback_id"),
    "message_action": lambda b: _strings(b, "callback_id"),
}


_SURFACES = {
    "event_callback": "event",
    "block_actions": "action",
    "block_suggestion": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
}


def surface_of(body: Any) -> str:
    """The surface a payload comes from, as a metrics label: command, event, action, view, shortcut or other."""
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        return "command"
    kind = body.get("type")
    return _SURFACES.get(kind, "other") if isinstance(kind, str) else "other"


def shape_problem(body: Any) -> str | None:
    """None when `body` has Slack's shapes wherever Bolt looks; otherwise what is wrong, for a 400."""
    if not isinstance(body, dict):
        return "the payload is not a JSON object"
    for key in ("event", "view"):  # Bolt reads these as objects whenever the key is there, even when null
        if key in body and not isinstance(body[key], dict):
            return f"{key} must be an object"
    if "command" in body:
        if not isinstance(body["command"], str):
            return "command must be a string"
    elif not isinstance(body.get("type"), str) or body["type"] not in _KINDS:
        return "not a kind of payload Slack sends to this app"
    elif not _KINDS[body["type"]](body):
        return f"a {body['type']} payload without the fields it needs"
    for holder in (body, body.get("event")):  # a command's or a message's text (a button's text is an object)
        if isinstance(holder, dict) and holder.get("text") is not None and not isinstance(holder["text"], str):
            return "text must be a string"
    return _check(body, "", 0)


def _check(node: dict[str, Any], where: str, depth: int) -> str | None:
    for key in _STRINGS:
        if node.get(key) is not None and not isinstance(node[key], str):
            return f"{where}{key} must be a string"
    for key in _BOOLEANS:
        value = node.get(key)
        if value is not None and not isinstance(value, bool | str):
            return f"{where}{key} must be a boolean"
    children: list[tuple[str, dict[str, Any]]] = []
    for key in (*_ID_HOLDERS, *_OBJECTS):
        value = node.get(key)
        if value is None or (key in _ID_HOLDERS and isinstance(value, str)):
            continue
        if not isinstance(value, dict):
            return f"{where}{key} must be {'an id or ' if key in _ID_HOLDERS else ''}an object"
        children.append((f"{where}{key}.", value))
    for key in _LISTS_OF_OBJECTS:
        value = node.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return f"{where}{key} must be a list of objects"
        children += [(f"{where}{key}.{i}.", item) for i, item in enumerate(value[:5])]
    for path, child in children if depth < MAX_DEPTH else ():
        problem = _check(child, path, depth + 1)
        if problem:
            return problem
    return None
