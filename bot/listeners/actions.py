"""Button clicks: topic buttons ("Did you mean", related, topic list) and helpful votes."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.answers import HELPFUL_ACTION, TOPIC_ACTION
from bot.context import Context
from bot.replies import reply_for_topic
from storage.db import transaction
from storage.repos import questions

log = logging.getLogger(__name__)


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def register(app: App, ctx: Context) -> None:
    @app.action(re.compile(rf"^{TOPIC_ACTION}:"))
    def open_topic(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        topic_id = _action(body).get("value", "")
        if topic_id not in ctx.bank.topics:
            respond(text="That topic is no longer in the bank. Try `/tutor topics`.", replace_original=False)
            return
        reply = reply_for_topic(ctx.bank, topic_id)
        # A "Did you mean" choice replaces the question it answers; other topic buttons add a new answer.
        replace = _action(body).get("block_id") == "did_you_mean"
        respond(text=reply.text, blocks=reply.blocks, replace_original=replace, response_type="ephemeral")

    @app.action(re.compile(rf"^{HELPFUL_ACTION}:(yes|no)$"))
    def helpful(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = _action(body)
        topic_id = action.get("value", "")
        if topic_id not in ctx.bank.topics:
            return
        with transaction(ctx.sessions) as session:
            questions.record_vote(
                session,
                workspace_id=(body.get("team") or {}).get("id", ""),
                user_id=(body.get("user") or {}).get("id", ""),
                topic=topic_id,
                helpful=action["action_id"].endswith("yes"),
                at=ctx.clock(),
            )
        thanks = (
            "Thanks, glad it helped!"
            if action["action_id"].endswith("yes")
            else ("Thanks for telling me. The authors will see which answers need work.")
        )
        respond(text=thanks, replace_original=False, response_type="ephemeral")
