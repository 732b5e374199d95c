"""The /tutor slash command: parse, then hand each sub-command to its handler."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.answers import help_blocks, topics_blocks
from bot.context import Context
from bot.listeners.asking import answer, remember
from bot.tutor.commands import Command, parse_command

log = logging.getLogger(__name__)
COMMAND = "/tutor"


def _ack_ephemeral(ack: Ack, text: str, blocks: list[dict[str, Any]]) -> None:
    ack(response_type="ephemeral", text=text, blocks=blocks)


def register(app: App, ctx: Context) -> None:
    @app.command(COMMAND)
    def tutor(ack: Ack, command: dict[str, Any], respond: Respond, client: Any) -> None:
        cmd = parse_command(command.get("text", ""))
        handler = HANDLERS.get(cmd.name)
        if handler is None:
            _ack_ephemeral(ack, "Here is what I can do.", help_blocks())
            return
        handler(ctx, cmd, command, ack, respond, client)


def _ask(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    reply, match = answer(ctx, cmd.text)
    _ack_ephemeral(ack, reply.text, reply.blocks)  # answer first: Slack wants a reply within 3 seconds
    remember(
        ctx,
        match,
        workspace_id=command.get("team_id", ""),
        user_id=command.get("user_id", ""),
        channel_id=command.get("channel_id"),
        surface="command",
    )


def _help(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    _ack_ephemeral(ack, "Here is what I can do.", help_blocks())


def _usage(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    _ack_ephemeral(ack, cmd.error or "Here is what I can do.", help_blocks(cmd.error))


def _topics(ctx: Context, cmd: Command, command: dict[str, Any], ack: Ack, respond: Respond, client: Any) -> None:
    _ack_ephemeral(ack, "Topics I can explain.", topics_blocks(list(ctx.bank.topics.values())))


HANDLERS = {"ask": _ask, "help": _help, "usage": _usage, "topics": _topics}
