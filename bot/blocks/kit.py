"""Small Block Kit helpers shared by every builder. Slack's limits live here, in one place."""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]

MAX_SECTION_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_HEADER_TEXT = 150


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Slack's mrkdwn has no escape for its formatting characters. A date token whose format is invalid shows its
# fallback text as is, unformatted (the technique jsx-slack documents), so each one is wrapped in one.
_FORMATTING = re.compile(r"[*_~`]")


def entities(text: str) -> str:
    """Our own validated text inside mrkdwn: only Slack's three control characters need escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """A name or anything a person typed, made safe to show inside mrkdwn: it cannot ping (<!channel>, <@U1>),
    link, break onto a new line (a forged row), or turn bold, italic, struck or code."""
    text = entities(_CONTROL.sub(" ", text))
    return _FORMATTING.sub(lambda m: f"<!date^0^{{_}}|{m.group()}>", text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    # plain_text is never parsed for mentions or formatting: the safe way to echo what a person typed.
    # Control characters (a NUL, a bare CR) are dropped: Slack would show them as boxes or refuse the block.
    return {"type": "plain_text", "text": clip(_CONTROL.sub(" ", text).strip(), limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def sections(lines: list[str], limit: int = MAX_SECTION_TEXT) -> list[Block]:
    """Lines packed into as few sections as fit Slack's limit, never cutting a line (and its markup) in two."""
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        line = clip(line, limit)
        if chunk and len("\n".join([*chunk, line])) > limit:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def context(*elements: dict[str, Any]) -> Block:
    return {"type": "context", "elements": list(elements)}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> Block:
    return {"type": "divider"}
