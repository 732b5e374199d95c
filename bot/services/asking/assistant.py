"""The tutor in Slack's split view ("Agents & AI apps"): suggested prompts for a new thread, and questions in
the thread answered there with a status while it works and the topic as the thread's title.

The same promises as DMs and mentions: each event is kept in the inbox before its ack (a retry of the same
event id is answered once, a crash in between is recovered by `recovery.retry_unhandled`), and every call to
Slack, the assistant.threads.* ones included, runs afterwards on the background pool."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.answer_blocks import Reply
from bot.blocks.assistant_blocks import (
    EXPLAIN_QUIZ_TITLE,
    LOOKING,
    NO_QUIZ_CHANNEL,
    Prompt,
    explain_quiz_request,
    prompts_for,
    quiz_explanation_blocks,
    quiz_not_closed_text,
)
from bot.blocks.kit import section
from bot.services.asking import questions
from bot.services.asking.questions import SORRY, Asked
from bot.services.runtime.context import Context
from bot.services.slack.clients import slack_error
from bot.tutor import quiz_rules
from bot.tutor.reading import Band
from bot.tutor.schedule_rules import to_local
from storage.db import reading, transaction
from storage.records import PostRecord
from storage.repos import answers, inbox, posts, schedules

log = logging.getLogger(__name__)
SURFACE = "assistant"  # a question asked in a split-view thread (Asked.surface)
THREAD_SURFACE = "assistant_thread"  # a thread opened, or its context changed (ThreadOpened.surface)
PROMPT_COUNT = 3  # topic prompts; "Explain today's quiz" makes a fourth when it is offered


@dataclass(frozen=True)
class ThreadOpened:
    """A split-view thread opened (or the person moved to another channel while it is open)."""

    workspace_id: str
    user_id: str
    channel_id: str  # the app's DM with the person, which holds the thread
    thread_ts: str
    context_channel_id: str | None  # the channel the person is looking at, if any
    surface: str = THREAD_SURFACE


def receive_thread(ctx: Context, client: WebClient, event_id: str | None, opened: ThreadOpened) -> None:
    if questions.keep_event(ctx, event_id, opened.workspace_id, asdict(opened)):
        ctx.background.submit(offer_prompts, ctx, client, event_id, opened)


def receive_question(ctx: Context, client: WebClient, event_id: str | None, question: Asked) -> None:
    if questions.keep_event(ctx, event_id, question.workspace_id, asdict(question)):
        ctx.background.submit(answer_in_thread, ctx, client, event_id, question)


def resume(ctx: Context, client: WebClient, event_id: str, payload: dict[str, Any]) -> None:
    """An inbox event whose handler died: do what the handler would have done."""
    if payload.get("surface") == THREAD_SURFACE:
        offer_prompts(ctx, client, event_id, ThreadOpened(**payload))
    else:
        answer_in_thread(ctx, client, event_id, Asked(**payload))


# -- suggested prompts ---------------------------------------------------------------------------------------


def offer_prompts(ctx: Context, client: WebClient, event_id: str | None, opened: ThreadOpened) -> None:
    try:
        title, prompts = suggested_prompts(ctx, opened)
        client.assistant_threads_setSuggestedPrompts(
            channel_id=opened.channel_id, thread_ts=opened.thread_ts, title=title, prompts=prompts
        )
    except SlackApiError as exc:
        log.warning("could not set suggested prompts in %s: %s", opened.channel_id, slack_error(exc))
    except Exception as exc:  # the prompts are a convenience: the thread works without them
        log.error("suggested prompts for %s failed (%s)", opened.channel_id, exc.__class__.__name__)
    _handled(ctx, event_id)


def suggested_prompts(ctx: Context, opened: ThreadOpened) -> tuple[str, list[Prompt]]:
    """The person's weakest quiz topics first (as `/tutor quiz` practice finds them), then topics they have
    not got right yet, then the rest, in an order of the thread's own; "Explain today's quiz" only when the
    person is looking at a quiz channel whose quiz of today has closed."""
    with reading(ctx.sessions) as session:
        wrong, right, _ = answers.topic_record(session, opened.workspace_id, opened.user_id)
    topics = ctx.bank.topics
    weakest = [topics[t] for t in quiz_rules.weakest_topics(wrong, right) if t in topics]
    others = sorted(topics.values(), key=lambda t: (right.get(t.id, 0) > 0, _spread(f"{opened.thread_ts}:{t.id}")))
    channel = opened.context_channel_id
    closed = channel if channel and _closed(todays_quiz(ctx, opened.workspace_id, channel)) else None
    return prompts_for(weakest, others, closed, PROMPT_COUNT)


def _spread(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


# -- today's quiz ----------------------------------------------------------------------------------------------


def todays_quiz(ctx: Context, workspace_id: str, channel_id: str) -> PostRecord | None:
    """The quiz this workspace posted in the channel on the channel's own today, if any."""
    with reading(ctx.sessions) as session:
        channel = schedules.get_channel(session, channel_id)
        if channel is None or channel.workspace_id != workspace_id:
            return None
        today = to_local(ctx.clock(), ZoneInfo(channel.tz)).date()
        return posts.workspace_post_on(session, workspace_id, channel_id, today)


def _closed(post: PostRecord | None) -> bool:
    # Closed, not merely past its closing time: until the reveal has ranked the answers, the answer stays secret.
    return post is not None and post.closed_at is not None


def quiz_reply(ctx: Context, workspace_id: str, channel_id: str | None) -> tuple[Reply, bool]:
    """ "Explain today's quiz": the explanation once the quiz has closed (and True); before that, not a word of
    the answer."""
    if not channel_id:
        return _note(NO_QUIZ_CHANNEL), False
    post = todays_quiz(ctx, workspace_id, channel_id)
    if post is None or post.closed_at is None:
        return _note(quiz_not_closed_text(channel_id, post is not None)), False
    question = ctx.bank.questions_by_id.get(post.question_id)
    if question is None:
        return _note("Today's quiz is no longer in the bank, so I can't explain it. Sorry!"), False
    topic = ctx.bank.topics.get(question.topic)
    title = topic.title if topic else question.topic
    return Reply(f"Today's quiz, explained: {title}", quiz_explanation_blocks(question, title, channel_id)), True


def _note(text: str) -> Reply:
    return Reply(text, [section(text)])


# -- a question in the thread ------------------------------------------------------------------------------


def answer_in_thread(ctx: Context, client: WebClient, event_id: str | None, question: Asked) -> None:
    """Status first ("looking it up…"), then the answer in the thread, then the topic as the thread's title.
    A follow-up keeps the thread's topic as a mention thread's does (questions.conversation_topic)."""
    _thread_call(client.assistant_threads_setStatus, question, status=LOOKING)
    wants_quiz, channel = explain_quiz_request(question.text)
    if not wants_quiz:
        match = questions.reply_to_message(ctx, client, event_id, question)
        if match is not None and match.band is Band.ANSWER and match.topic in ctx.bank.topics:
            _thread_call(client.assistant_threads_setTitle, question, title=ctx.bank.topics[match.topic].title)
        return
    reply, explained = quiz_reply(ctx, question.workspace_id, channel)
    try:
        _post(client, question, reply)
    except SlackApiError as exc:
        log.error("could not explain the quiz in %s: %s", question.channel_id, slack_error(exc))
        try:
            _post(client, question, Reply(SORRY, []))
        except Exception as again:
            log.error("could not say sorry in %s either: %s", question.channel_id, again.__class__.__name__)
    except Exception as exc:  # the answer may have arrived: not sent again
        log.error("explaining the quiz in %s ended uncertainly (%s)", question.channel_id, exc.__class__.__name__)
    _handled(ctx, event_id)
    if explained:
        _thread_call(client.assistant_threads_setTitle, question, title=EXPLAIN_QUIZ_TITLE)


def _post(client: WebClient, question: Asked, reply: Reply) -> None:
    client.chat_postMessage(
        channel=question.channel_id or "", thread_ts=question.thread_ts, text=reply.text, blocks=reply.blocks or None
    )


def _thread_call(method: Any, question: Asked, **kwargs: Any) -> None:
    """A status or a title: worth a try, never worth failing the answer for."""
    if not (question.channel_id and question.thread_ts):
        return
    try:
        method(channel_id=question.channel_id, thread_ts=question.thread_ts, **kwargs)
    except SlackApiError as exc:
        log.warning("Slack refused a thread status or title in %s: %s", question.channel_id, slack_error(exc))
    except Exception as exc:
        log.warning("a thread status or title in %s failed (%s)", question.channel_id, exc.__class__.__name__)


def _handled(ctx: Context, event_id: str | None) -> None:
    if event_id:
        with transaction(ctx.sessions) as session:
            inbox.mark_handled(session, event_id, ctx.clock())
