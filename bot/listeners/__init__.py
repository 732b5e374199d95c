"""Every Slack surface registers its listeners here, in one place. Listeners translate a payload into one
service call and its reply; the services' context reaches them through Bolt's context (payloads.install)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, assistant, commands, events, payloads, quiz_actions, review_actions
from bot.services.runtime.context import Context


def register_listeners(app: App, ctx: Context) -> None:
    payloads.install(app, ctx)
    # The split view's middleware comes after the services' context is attached, and before any listener:
    # a message in a split-view thread is answered there and goes no further (see listeners/assistant.py).
    assistant.register(app)
    # Bolt tries listeners in the order they were registered: the busiest surface (quiz clicks) goes first.
    for surface in (quiz_actions, review_actions, actions, commands, events):
        surface.register(app)
