"""Every Slack surface registers its listeners here, in one place."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Context
from bot.listeners import actions, commands, events, quiz_actions


def register_listeners(app: App, ctx: Context) -> None:
    commands.register(app, ctx)
    events.register(app, ctx)
    actions.register(app, ctx)
    quiz_actions.register(app, ctx)
