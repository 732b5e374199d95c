"""Asking the tutor: match a question, reply, and remember it for `content gaps`.

/tutor replies inside its ack (no Slack call at all), unless the optional language model is to be asked: then
the ack is empty and the answer goes to the command's response_url from the background pool. DMs and
@-mentions are Events API deliveries: each is stored in the inbox before Slack gets its ack, answered afterwards
on the background pool (asking the language model there, if one is configured), and marked handled only once
the reply is out, so neither a Slack retry nor a crash in between loses or doubles it."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.answer_blocks import (
    DID_YOU_MEAN_BLOCK,
    INSTEAD_BLOCK,
    Reply,
    help_blocks,
    read_pick,
    reply_for_match,
    reply_for_topic,
)
from bot.services.asking import suggestions
from bot.services.runtime import language_model
from bot.services.runtime.context import Context
from bot.services.slack.clients import slack_error
from bot.tutor.reading import Match
from storage.db import reading, transaction
from storage.repos import asked, inbox

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side. It has been logged; please try again in a minute."
HANDLER_LEASE = timedelta(minutes=5)  # an unhandled event claimed longer ago than this lost its handler
MAX_ATTEMPTS = 5
EVENT_MEMORY = timedelta(days=2)
CONVERSATION_MEMORY = timedelta(hours=1)  # a follow-up after this long starts afresh


@dataclass(frozen=True)
class Asked:
    """A question and where it was asked."""

    text: str
    workspace_id: str
    user_id: str
    channel_id: str | None
    surface: str  # dm | mention | command | assistant (a thread in the split view)
    thread_ts: str | None = None  # where a DM or mention reply goes (mentions answer in a thread)


def answer_command(ctx: Context, question: Asked, response_url: str = "") -> Reply | None:
    """/tutor QUESTION: the reply for the ack; the question is logged after, off the ack path.

    When the language model is to be asked about it, None: the ack goes out empty at once and the answer
    follows through `response_url` from the background pool."""
    match = ctx.matcher.match(question.text)
    if response_url and language_model.wants_model(ctx.model, match):
        ctx.background.submit(_answer_later, ctx, question, match, response_url)
        return None
    ctx.background.submit(remember, ctx, question, match)
    return reply_for_match(ctx.bank, match)


def _answer_later(ctx: Context, question: Asked, local: Match, response_url: str) -> None:
    match, _ = language_model.refine(ctx.model, local)
    reply = reply_for_match(ctx.bank, match)
    ctx.slack.respond(
        response_url,
        {"text": reply.text, "blocks": reply.blocks, "response_type": "ephemeral", "replace_original": False},
    )
    remember(ctx, question, match)


def receive_message(ctx: Context, client: WebClient, event_id: str | None, question: Asked) -> None:
    """A DM or mention arrived: keep it (so a retry is recognised and a crash is recovered), answer it later."""
    if keep_event(ctx, event_id, question.workspace_id, asdict(question)):
        ctx.background.submit(reply_to_message, ctx, client, event_id, question)


def keep_event(ctx: Context, event_id: str | None, workspace_id: str, payload: dict[str, Any]) -> bool:
    """Store an event in the inbox before its ack; False when this event id was delivered before (a retry)."""
    if not event_id:
        return True
    with transaction(ctx.sessions) as session:
        fresh = inbox.store(session, event_id, workspace_id, json.dumps(payload), ctx.clock())
    if not fresh:
        log.info("event %s was delivered before; answered once", event_id)
    return fresh


def reply_to_message(ctx: Context, client: WebClient, event_id: str | None, question: Asked) -> Match | None:
    """Answer a stored question where it was asked, mark its event handled; the match, for the caller."""
    if question.text.strip():
        followup = conversation_topic(ctx, question)
        match, _ = language_model.read(ctx.matcher, ctx.model, question.text, followup)
        reply = reply_for_match(ctx.bank, match)
    else:
        match, reply = None, Reply("Ask me about ML in research vs production.", help_blocks())
    try:
        _post(client, question, reply)
    except SlackApiError as exc:
        log.error("could not answer %s in %s: %s", question.surface, question.channel_id, slack_error(exc))
        try:  # Slack refused the answer itself; a short note in the same place still tells the person
            _post(client, question, Reply(SORRY, []))
        except Exception as again:
            log.error("could not say sorry in %s either: %s", question.channel_id, again.__class__.__name__)
    except Exception as exc:
        # A dropped connection or a timeout: the answer may have arrived, so it is not sent again.
        log.error("answering in %s ended uncertainly (%s)", question.channel_id, exc.__class__.__name__)
    if event_id:
        with transaction(ctx.sessions) as session:
            inbox.mark_handled(session, event_id, ctx.clock())
    if match is not None:
        remember(ctx, question, match)
    return match


def _post(client: WebClient, question: Asked, reply: Reply) -> None:
    kwargs = {"thread_ts": question.thread_ts} if question.thread_ts else {}
    client.chat_postMessage(channel=question.channel_id or "", text=reply.text, blocks=reply.blocks or None, **kwargs)


def forget_old_events(ctx: Context) -> int:
    with transaction(ctx.sessions) as session:
        return inbox.forget(session, ctx.clock() - EVENT_MEMORY)


def conversation_topic(ctx: Context, question: Asked) -> str | None:
    """What this DM or thread was last about, so a follow-up ("and in research?", "why?") is read with it."""
    if not question.channel_id:
        return None
    with reading(ctx.sessions) as session:
        return asked.conversation_topic(
            session, question.workspace_id, question.channel_id, question.thread_ts, ctx.clock() - CONVERSATION_MEMORY
        )


def remember(ctx: Context, question: Asked, match: Match) -> None:
    """Log the question for `content gaps`. A failure here must never cost the person their answer."""
    try:
        with transaction(ctx.sessions) as session:
            asked.record_question(
                session,
                workspace_id=question.workspace_id,
                user_id=question.user_id,
                channel_id=question.channel_id,
                surface=question.surface,
                text=match.question,
                thread_ts=question.thread_ts,
                topic=match.topic,
                confidence=match.confidence,
                band=match.band.value,
                at=ctx.clock(),
            )
    except Exception:
        log.exception("could not record a question from %s in %s", question.user_id, question.workspace_id)


def pick_topic(ctx: Context, workspace_id: str, user_id: str, block_id: str, value: str, response_url: str) -> None:
    """A topic button. A pick under "Did you mean" or after a 👎 is kept as evidence for the question the button
    carries (one insert, before the ack), and replaces the message it answers; others add a new answer."""
    topic_id, question = read_pick(value)
    suggestions.record_pick(ctx, workspace_id, user_id, block_id, topic_id, question)
    open_topic(ctx, topic_id, response_url, block_id in (DID_YOU_MEAN_BLOCK, INSTEAD_BLOCK))


def open_topic(ctx: Context, topic_id: str, response_url: str, replace: bool) -> None:
    """A topic button: the topic's answer, through the click's response_url (a "Did you mean" choice replaces
    the question it answers; other topic buttons add a new answer)."""
    if topic_id in ctx.bank.topics:
        reply = reply_for_topic(ctx.bank, topic_id)
        message = {
            "text": reply.text,
            "blocks": reply.blocks,
            "replace_original": replace,
            "response_type": "ephemeral",
        }
    else:
        message = {"text": "That topic is no longer in the bank. Try `/tutor topics`.", "replace_original": False}
    ctx.background.submit(ctx.slack.respond, response_url, message)


def vote(ctx: Context, workspace_id: str, user_id: str, topic_id: str, helpful: bool, response_url: str) -> None:
    """A 👍/👎 on an answer: stored before the ack (an upsert, so a double click is one vote), thanked after; a 👎
    also asks which topic the question was about instead."""
    if topic_id not in ctx.bank.topics:
        return
    with transaction(ctx.sessions) as session:
        asked.record_vote(
            session, workspace_id=workspace_id, user_id=user_id, topic=topic_id, helpful=helpful, at=ctx.clock()
        )
    if not helpful:
        ctx.background.submit(suggestions.offer_other_topics, ctx, workspace_id, user_id, topic_id, response_url)
        return
    ctx.background.submit(
        ctx.slack.respond,
        response_url,
        {"text": "Thanks, glad it helped!", "replace_original": False, "response_type": "ephemeral"},
    )
