"""Personal reviews for a person: switching them on and off (with their time zone from Slack), their status,
and answering a review card.

Switching is one short write on the ack path; the time zone comes from users.info afterwards, on the
background pool. A review answer is stored as a practice answer (mastery, never the leaderboard), which moves
its card in the same transaction (services/quiz/cards.py)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.review_blocks import status_text
from bot.services.quiz import practice
from bot.services.quiz.practice import PracticeClick
from bot.services.runtime.context import Context
from bot.services.slack.clients import slack_error
from bot.tutor import review_rules
from bot.tutor.review_rules import ReviewStatus
from bot.tutor.schedule_rules import parse_time
from storage.db import reading, transaction
from storage.repos import reviews

log = logging.getLogger(__name__)


def status(ctx: Context, workspace_id: str, user_id: str) -> ReviewStatus:
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        setting = reviews.get_setting(session, workspace_id, user_id)
        tz = review_rules.zone(setting.tz if setting else None)
        day = review_rules.today(now, tz)
        end, live = review_rules.day_end(day, tz), ctx.bank.questions_by_id.keys()
        due, first_due, total = reviews.due_summary(session, workspace_id, user_id, end, live)
        sent_today = reviews.day_claimed(session, workspace_id, user_id, day)
    if setting is None:
        return ReviewStatus(False, review_rules.DEFAULT_TIME, None, due, None, total)
    next_date = review_rules.next_review(now, tz, first_due, sent_today)
    return ReviewStatus(setting.enabled, setting.review_time, setting.tz, due, next_date, total, setting.stopped_reason)


def switch(ctx: Context, workspace_id: str, user_id: str, on: bool, review_time: str | None = None) -> ReviewStatus:
    """Switch reviews on (at `review_time`, else the time set before, else 09:00) or off.

    Raises ScheduleError for a time that is not HH:MM."""
    if review_time is not None:
        review_time = parse_time(review_time).strftime("%H:%M")
    with transaction(ctx.sessions) as session:
        reviews.save_setting(session, workspace_id, user_id, on, review_time, ctx.clock())
    return status(ctx, workspace_id, user_id)


def learn_time_zone(ctx: Context, client: WebClient, workspace_id: str, user_id: str) -> str | None:
    """The person's time zone from users.info, stored with their setting; None if Slack would not say."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        log.warning("no time zone for a review: users.info said %s", slack_error(exc))
        return None
    tz = user.get("tz") if isinstance(user, dict) else None
    if not isinstance(tz, str) or review_rules.zone(tz).key != tz:
        return None  # unknown: UTC is used meanwhile
    with transaction(ctx.sessions) as session:
        reviews.set_tz(session, workspace_id, user_id, tz)
    return tz


def confirm_on(ctx: Context, client: WebClient, workspace_id: str, user_id: str, response_url: str | None) -> None:
    """After `/tutor review on`: learn the time zone, then say when the first review comes."""

    def run() -> None:
        learn_time_zone(ctx, client, workspace_id, user_id)
        if response_url:
            text = status_text(status(ctx, workspace_id, user_id))
            ctx.slack.respond(response_url, {"response_type": "ephemeral", "replace_original": False, "text": text})

    ctx.background.submit(run)


def answer_review_click(ctx: Context, click: PracticeClick) -> None:
    """A review card's answer is a practice answer (mastery, never the boards) that moves the card; the feedback
    follows below the DM, whose other cards stay clickable."""
    practice.answer_practice_click(ctx, click, keep_question=True)
