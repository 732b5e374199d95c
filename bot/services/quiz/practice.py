"""Practice questions: private, from the topic a person misses most; they count for mastery, never for points."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.kit import Block
from bot.blocks.quiz_blocks import PRACTICE, feedback_blocks, question_blocks, verdict
from bot.services.quiz import cards
from bot.services.quiz.answering import Outcome, graded
from bot.services.quiz.posting import topic_title
from bot.services.runtime.context import Context
from bot.tutor import quiz_rules
from content.models import Question
from storage.db import reading
from storage.records import AnswerRecord
from storage.repos import answers, posts

ALREADY_ANSWERED = "You already answered this one; only your first answer counts."
UNREADABLE = "I couldn't read that answer; please click again (or try `/tutor quiz`)."


def practice_question(ctx: Context, workspace_id: str, user_id: str) -> tuple[Question, list[Block]]:
    """A private question from the topic the person gets wrong most (any topic before their first miss).

    A question open as a daily quiz anywhere in the workspace is never served: practice would give its
    answer away."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        wrong, right, recent = answers.topic_record(session, workspace_id, user_id)
        withheld = posts.open_question_ids(session, workspace_id, now)
    topic = quiz_rules.weakest_topic(wrong, right)
    question = quiz_rules.practice_question(
        ctx.bank.questions, topic, recent, f"{user_id}:{now.isoformat()}", withheld=withheld
    )
    why = f"From *{ctx.bank.topics[topic].title}*, the topic you miss most." if topic else "A warm-up question."
    blocks = question_blocks(
        question,
        topic_title(ctx, question),
        prefix=PRACTICE,
        ref=question.id,
        status=f"Practice counts for mastery, not the leaderboard. {why}",
    )
    return question, blocks


def answer_practice(
    ctx: Context,
    workspace_id: str,
    user_id: str,
    question_id: str,
    chosen: frozenset[int],
    message_ts: str | None = None,
) -> Outcome:
    """Grade and keep a practice answer; a replay of the same click on the same message is stored once, and told
    that only the first answer counts."""
    question = ctx.bank.questions_by_id.get(question_id)
    if question is None:
        return Outcome("That practice question is no longer in the bank. Try `/tutor quiz` again.")
    problem = quiz_rules.choice_problem(question, chosen)
    if problem:
        return Outcome(problem)
    result, answer = graded(question, chosen, workspace_id, user_id, ctx.clock(), practice=True, message_ts=message_ts)
    if not ctx.writes.run(lambda session: store(session, answer)):  # a second click on the same card
        return Outcome(ALREADY_ANSWERED)
    title = topic_title(ctx, question)
    return Outcome(verdict(result), lambda: feedback_blocks(question, chosen, result, title), True)


def store(session: Session, answer: AnswerRecord) -> bool:
    """Keep a practice (or review) answer and, if it is new, move its review card in the same transaction."""
    stored = answers.add_answer(session, answer)
    if stored:
        cards.record(session, answer)
    return stored


def send_practice_to_dm(ctx: Context, client: WebClient, workspace_id: str, user_id: str) -> None:
    """The App Home's Practice button: the question arrives as a DM, where its clicks can be answered."""

    def send() -> None:
        question, blocks = practice_question(ctx, workspace_id, user_id)
        client.chat_postMessage(channel=user_id, text=f"Practice: {question.prompt}", blocks=blocks)

    ctx.background.submit(send)


@dataclass(frozen=True)
class PracticeClick:
    workspace_id: str
    user_id: str
    question_id: str | None  # None: the button's value could not be read
    chosen: frozenset[int]
    message_ts: str | None
    response_url: str


def answer_practice_click(ctx: Context, click: PracticeClick, *, keep_question: bool = False) -> None:
    """Store the answer; then its feedback replaces the question (its buttons cannot be clicked twice), or, with
    `keep_question` (a review DM holds several cards), follows below it."""
    if click.question_id is None:
        outcome = Outcome(UNREADABLE)
    else:
        outcome = answer_practice(
            ctx, click.workspace_id, click.user_id, click.question_id, click.chosen, click.message_ts
        )
    message: dict[str, object] = {"text": outcome.text, "replace_original": False, "response_type": "ephemeral"}
    if outcome.recorded:
        message |= {"blocks": outcome.blocks, "replace_original": not keep_question}
    ctx.background.submit(ctx.slack.respond, click.response_url, message)
