"""The split view ("Agents & AI apps") through Bolt's `Assistant` middleware.

The middleware sees every event before the app's own listeners. A thread opening, a context change, and a
person's message in a DM thread (`message.im` with a thread_ts) go to the listeners here and stop there, so
the DM listener in events.py never answers the same message a second time. Everything else (a top-level DM,
the bot's own messages) goes on to events.py.

Bolt's ready-made helpers (say, set_status, the default context store) call Slack where they are called, on
the ack path; none of them is used: the listeners only keep the event and hand it to the service, which
calls assistant.threads.* from the background pool."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.middleware.assistant import Assistant
from slack_sdk import WebClient

from bot.listeners.payloads import asked, field, services
from bot.services.asking import assistant

# The events the split view adds to the app manifest's subscriptions (its messages arrive as message.im).
EVENTS = ("assistant_thread_started", "assistant_thread_context_changed")


def register(app: App) -> None:
    app.assistant(build())


def build() -> Assistant:
    split_view = Assistant(logger=logging.getLogger("lab2prod.bolt"))
    split_view.thread_started(thread_opened)
    # Ours replaces Bolt's default, which would rewrite the thread's first message through Slack on the ack path.
    split_view.thread_context_changed(thread_opened)
    split_view.user_message(question)
    return split_view


def thread_opened(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    thread = event.get("assistant_thread")
    thread = thread if isinstance(thread, dict) else {}
    opened = assistant.ThreadOpened(
        field(body, "team_id"),
        field(thread, "user_id"),
        field(thread, "channel_id"),
        field(thread, "thread_ts"),
        field(thread, "context", "channel_id") or None,
    )
    if opened.channel_id and opened.thread_ts:
        assistant.receive_thread(services(context), client, field(body, "event_id") or None, opened)


def question(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    # A file shared with words is still a question; edits and other subtypes never reach here.
    if event.get("subtype") not in (None, "file_share") or event.get("bot_id"):
        return
    question = asked(body, event, assistant.SURFACE)
    assistant.receive_question(services(context), client, field(body, "event_id") or None, question)
