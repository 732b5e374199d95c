"""The question-answering step shared by DMs, mentions and /tutor: match, reply, remember."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.context import Context
from bot.replies import Reply, reply_for_match
from bot.tutor.matcher import Match
from storage.db import transaction
from storage.repos import questions

log = logging.getLogger(__name__)


def answer(
    ctx: Context,
    text: str,
    send: Callable[[Reply], None],
    *,
    workspace_id: str,
    user_id: str,
    channel_id: str | None,
    surface: str,
) -> None:
    """Send the reply first (Slack wants one within 3 seconds; logging may wait on a busy database), then log."""
    match = ctx.matcher.match(text)
    send(reply_for_match(ctx.bank, match))
    remember(ctx, match, workspace_id=workspace_id, user_id=user_id, channel_id=channel_id, surface=surface)


def remember(
    ctx: Context, match: Match, *, workspace_id: str, user_id: str, channel_id: str | None, surface: str
) -> None:
    """Log the question for `content gaps`. A failure here must never cost the person their answer."""
    try:
        with transaction(ctx.sessions) as session:
            questions.record_question(
                session,
                workspace_id=workspace_id,
                user_id=user_id,
                channel_id=channel_id,
                surface=surface,
                text=match.question,
                topic=match.topic,
                confidence=match.confidence,
                band=match.band.value,
                at=ctx.clock(),
            )
    except Exception:
        log.exception("could not record question from %s in %s", user_id, workspace_id)
