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
    """Answer events whose handler disappeared (the process stopped between the ack and the reply)."""
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
        if str(payload.get("surface", "")).startswith("assistant"):
            assistant.resume(ctx, client, event.event_id, payload)
        else:
            questions.reply_to_message(ctx, client, event.event_id, questions.Asked(**payload))
        done += 1
    return done
