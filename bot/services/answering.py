"""Answering the daily quiz: one answer per person and post, stored before the ack, feedback right after.

The click's request does one database write (the answer, its running totals and, when due, the claim on
the post's count update) and is acknowledged; the private feedback and the count update go to Slack from
the background pool. Feedback goes through the click's response_url (no Web API rate tier); only a click
without one falls back to chat.postEphemeral."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.kit import Block, section
from bot.blocks.quiz_blocks import feedback_blocks, verdict
from bot.services import reveals
from bot.services.context import Context
from bot.services.posting import topic_title
from bot.services.slack_clients import send_to_response_url, slack_error
from bot.tutor import quiz_rules
from bot.tutor.quiz_rules import Grade
from bot.tutor.scoring import answer_points
from content.models import Question
from storage.db import transaction
from storage.records import AnswerRecord, PostRecord
from storage.repos import answers, posts

log = logging.getLogger(__name__)
UNREADABLE = "I couldn't read that answer; please click again."


@dataclass(frozen=True)
class Outcome:
    """What to tell the person: always a short text, blocks when there is more to show."""

    text: str
    blocks: list[Block] | None = None
    recorded: bool = False
    count_update: tuple[PostRecord, int] | None = None  # the post's answer count to show next, when it is our turn

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
    ctx.background.submit(deliver, ctx, client, click, outcome)


def answer_daily(ctx: Context, click: Click) -> Outcome:
    """Grade and store one answer. Its feedback and `count_update` are for the caller to send."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        # Locked: a close running now either sees this answer (its bonus, the results) or happens first.
        post = posts.get_post(session, click.post_id or 0, lock=True)
        if post is None:
            return Outcome("I can't find that quiz any more. Try `/tutor quiz` for a practice question.")
        if click.channel_id != post.channel_id or (post.message_ts and click.message_ts != post.message_ts):
            log.warning("click for post %s came from %s/%s", post.id, click.channel_id, click.message_ts)
            return Outcome("That button doesn't belong to this quiz post, so it can't be scored.")
        if post.message_ts is None and click.message_ts:
            # Slack posted the quiz but its answer was lost: a click on it proves where it is.
            posts.set_message(session, post.id, click.message_ts)
            post = replace(post, message_ts=click.message_ts)
        if post.closed_at is not None or now >= post.closes_at:
            return Outcome("This quiz has closed. The results are on the post; a new one comes tomorrow.")
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
        if not answers.add_answer(session, answer):
            first = answers.answer_of(session, post.id, click.user_id)
            mine = first.choice if first else click.chosen
            return Outcome(
                "You already answered this one; only your first answer counts.",
                feedback_blocks(question, mine, quiz_rules.grade_question(question, mine), topic_title(ctx, question)),
            )
        count = answers.answer_count(session, post.id)
        # Claim the count update in the same transaction: one write per click, and a burst makes one update.
        show = posts.take_count_refresh(session, post.id, count, now, reveals.COUNT_REFRESH_EVERY)
    points = answer_points(question.difficulty, result.credit, None)
    blocks = feedback_blocks(question, click.chosen, result, topic_title(ctx, question), points)
    return Outcome(verdict(result), blocks, True, (post, count) if show else None)


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
    """Private feedback first; then, if it is this click's turn, the post's answer count."""
    tell(client, click.response_url, click.channel_id, click.user_id, outcome)
    if outcome.count_update:
        post, count = outcome.count_update
        reveals.show_count(ctx, client, post, count)


def tell(client: WebClient, response_url: str | None, channel_id: str | None, user_id: str, outcome: Outcome) -> None:
    """A private message to the person who clicked: the click's response_url, else chat.postEphemeral."""
    message = {"text": outcome.text, "blocks": outcome.message_blocks}
    if response_url:
        send_to_response_url(response_url, {**message, "response_type": "ephemeral", "replace_original": False})
        return
    try:
        client.chat_postEphemeral(channel=channel_id or "", user=user_id, **message)
    except SlackApiError as exc:
        log.warning("could not tell %s privately: %s", user_id, slack_error(exc))
