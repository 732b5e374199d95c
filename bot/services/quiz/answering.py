"""Answering the daily quiz: one answer per person and post, stored before the ack, feedback right after.

A click costs its request one read (the post) and one short write: the answer is inserted only while its
post is open, in one statement that also holds the post row against a concurrent close (PostgreSQL), and
the running totals move with it. Everything else happens after the ack on the background pool: the
feedback is rendered and sent through the click's response_url (no Web API rate tier; chat.postEphemeral
only without one), and, at most every few seconds per post, the post's answer count is updated."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import metrics
from bot.blocks.kit import Block, section
from bot.blocks.quiz_blocks import feedback_blocks, verdict
from bot.services.quiz import cards, reveals
from bot.services.quiz.posting import topic_title
from bot.services.runtime.context import Context
from bot.services.slack.clients import slack_error
from bot.tutor import quiz_rules
from bot.tutor.quiz_rules import Grade
from bot.tutor.scoring import answer_points
from content.models import Question
from storage.db import reading, transaction
from storage.records import AnswerRecord, PostRecord
from storage.repos import answers, posts

log = logging.getLogger(__name__)
UNREADABLE = "I couldn't read that answer; please click again."


@dataclass(frozen=True)
class Outcome:
    """What to tell the person: always a short text, blocks when there is more to show."""

    text: str
    render: Callable[[], list[Block]] | None = None  # the blocks, built when sent (off the ack path)
    recorded: bool = False
    post: PostRecord | None = None  # the post whose answer count may need updating

    @property
    def blocks(self) -> list[Block] | None:
        return self.render() if self.render else None

    @property
    def message_blocks(self) -> list[Block]:
        return self.blocks or [section(self.text)]


@dataclass(frozen=True)
class Click:
    """A click on a daily quiz post, as Slack delivered it."""

    workspace_id: str
    user_id: str
    channel_id: str | None
    message_ts: str | None
    response_url: str | None
    post_id: int | None  # None: the button's value could not be read
    chosen: frozenset[int]


def answer_click(ctx: Context, client: WebClient, click: Click) -> None:
    """Store the answer now; tell the person and update the post's count after the ack."""
    outcome = answer_daily(ctx, click) if click.post_id is not None else Outcome(UNREADABLE)
    if ctx.courier is None or not click.response_url:
        ctx.background.submit(deliver, ctx, client, click, outcome)
        return
    # Handing a finished reply to the courier process is no Slack call (and costs less than a hop to the
    # background pool, which a burst would pay with every click): only the count update goes there.
    tell(ctx, client, click.response_url, click.channel_id, click.user_id, outcome)
    if outcome.recorded and outcome.post is not None and reveals.count_may_be_due(ctx, outcome.post):
        ctx.background.submit(reveals.count_soon, ctx, client, outcome.post)


def answer_daily(ctx: Context, click: Click) -> Outcome:
    """Grade and store one answer. Its feedback is rendered and sent by the caller (`deliver`)."""
    outcome = _answer_daily(ctx, click)
    result = "stored" if outcome.recorded else "closed" if outcome is CLOSED else "not_scored"
    metrics.ANSWERS.labels(result).inc()
    return outcome


def _answer_daily(ctx: Context, click: Click) -> Outcome:
    now = ctx.clock()
    post = _open_post(ctx, click.post_id or 0)
    if post is None:
        return Outcome("I can't find that quiz any more. Try `/tutor quiz` for a practice question.")
    if click.channel_id != post.channel_id or (post.message_ts and click.message_ts != post.message_ts):
        log.warning("click for post %s came from %s/%s", post.id, click.channel_id, click.message_ts)
        return Outcome("That button doesn't belong to this quiz post, so it can't be scored.")
    if post.closed_at is not None or now >= post.closes_at:
        return CLOSED
    question = ctx.bank.questions_by_id.get(post.question_id)
    if question is None:
        return Outcome("That question has been retired from the bank, so it can't be scored. Sorry!")
    problem = quiz_rules.choice_problem(question, click.chosen)
    if problem:
        return Outcome(problem)
    # Scored in the post's own workspace, whichever workspace the person clicks from (a Slack Connect
    # channel): one answer per person and post, on the boards of the workspace that runs the quiz there.
    result, answer = graded(
        question, click.chosen, post.workspace_id, click.user_id, now, post_id=post.id, channel_id=post.channel_id
    )
    title = topic_title(ctx, question)
    if post.message_ts is None and click.message_ts:
        # Slack posted the quiz but its answer was lost: a click on it proves where it is.
        with transaction(ctx.sessions) as session:
            posts.set_message(session, post.id, click.message_ts)
        post = replace(post, message_ts=click.message_ts)
    key = (post.id, click.user_id)
    mine = ctx.first_choices.get(key)
    stored = False
    if mine is None:
        stored, mine = ctx.writes.run(lambda session: _store(session, answer, now))
        if mine is not None:
            ctx.first_choices.put(key, mine)
    if stored:
        points = answer_points(question.difficulty, result.credit, None)
        return Outcome(
            verdict(result), lambda: feedback_blocks(question, click.chosen, result, title, points), True, post
        )
    if mine is None:  # nothing stored and no earlier answer: the post closed a moment ago
        return CLOSED
    return Outcome(
        "You already answered this one; only your first answer counts.",
        lambda: feedback_blocks(question, mine, quiz_rules.grade_question(question, mine), title),
    )


def _store(session: Session, answer: AnswerRecord, now: datetime) -> tuple[bool, frozenset[int] | None]:
    """(stored?, the choice of the person's answer to this post: this one, an earlier one, or None if the post
    had closed before they answered)."""
    if answers.add_open_answer(session, answer, now):
        cards.record(session, answer)  # its review card, in the same transaction
        return True, answer.choice
    return False, answers.first_choice(session, answer.post_id or 0, answer.user_id)


def _open_post(ctx: Context, post_id: int) -> PostRecord | None:
    """The post a click is on: from this process's memory while fresh, else from the database."""
    cached = ctx.open_posts.get(post_id)
    if cached is not None:
        return cached
    with reading(ctx.sessions) as session:
        post = posts.get_post(session, post_id)
    if post is not None and post.message_ts and post.closed_at is None:
        ctx.open_posts.put(post_id, post)
    return post


CLOSED = Outcome("This quiz has closed. The results are on the post; a new one comes tomorrow.")


def graded(
    question: Question, chosen: frozenset[int], workspace_id: str, user_id: str, at: datetime, **where: Any
) -> tuple[Grade, AnswerRecord]:
    """Grade a choice and describe the answer to store: the facts points are later derived from."""
    result = quiz_rules.grade_question(question, chosen)
    answer = AnswerRecord(
        workspace_id=workspace_id,
        user_id=user_id,
        question_id=question.id,
        topic=question.topic,
        difficulty=question.difficulty,
        choice=chosen,
        credit=result.credit,
        correct=result.correct,
        answered_at=at,
        **where,
    )
    return result, answer


def deliver(ctx: Context, client: WebClient, click: Click, outcome: Outcome) -> None:
    """Private feedback first; then, if it is this post's turn, its answer count."""
    tell(ctx, client, click.response_url, click.channel_id, click.user_id, outcome)
    if outcome.recorded and outcome.post is not None:
        reveals.count_soon(ctx, client, outcome.post)


def tell(
    ctx: Context, client: WebClient, response_url: str | None, channel_id: str | None, user_id: str, outcome: Outcome
) -> None:
    """A private message to the person who clicked: the click's response_url, else chat.postEphemeral."""
    message = {"text": outcome.text, "blocks": outcome.message_blocks}
    if response_url:
        reply = {**message, "response_type": "ephemeral", "replace_original": False}
        if ctx.courier is not None:
            ctx.courier.send(response_url, reply)
        else:
            ctx.slack.respond(response_url, reply)
        return
    try:
        client.chat_postEphemeral(channel=channel_id or "", user=user_id, **message)
    except SlackApiError as exc:
        log.warning("could not tell %s privately: %s", user_id, slack_error(exc))
