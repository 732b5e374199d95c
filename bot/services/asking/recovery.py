"""Events whose handler died (the process stopped between the ack and the reply) are answered later, whichever
surface they came from: a DM, a mention, or a thread in the split view."""

from __future__ import annotations

import json
import logging

from bot.services.asking import assistant, questions
from bot.services.runtime.context import Context
from bot.services.slack.clients import NotInstalled
from storage.db import reading, transaction
from storage.repos import inbox

log = logging.getLogger(__name__)


def retry_unhandled(ctx: Context) -> int:
    """Answer events whose handler disappeared (the process stopped between the ack and the reply); returns how
    many were handed to the background pool to be answered."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        stale = inbox.pending(session, now - questions.HANDLER_LEASE)
    done = 0
    for event in stale:
        with transaction(ctx.sessions) as session:
            if not inbox.claim(session, event.event_id, now - questions.HANDLER_LEASE, now):
                continue  # another poller took it
            if event.attempts >= questions.MAX_ATTEMPTS:
                log.error("giving up on event %s after %d attempts", event.event_id, event.attempts)
                inbox.mark_handled(session, event.event_id, now)
                continue
        payload = json.loads(event.payload)
        try:
            client = ctx.slack.for_workspace(event.workspace_id)
        except NotInstalled as exc:  # nowhere to answer any more
            log.warning("dropping event %s: %s", event.event_id, exc)
            with transaction(ctx.sessions) as session:
                inbox.mark_handled(session, event.event_id, now)
            continue
        # On the background pool, as a live event is answered: each reply may wait on Slack and on the language
        # model, and N of them in a row would hold the scheduler's tick for N budgets.
        if str(payload.get("surface", "")).startswith("assistant"):
            ctx.background.submit(assistant.resume, ctx, client, event.event_id, payload)
        else:
            ctx.background.submit(questions.reply_to_message, ctx, client, event.event_id, questions.Asked(**payload))
        done += 1
    return done
