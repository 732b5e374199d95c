"""Block Kit for personal reviews: the daily review DM, `/tutor review`'s status and the App Home's section."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.kit import Block, actions, button, context, divider, header, mrkdwn, section
from bot.blocks.quiz_blocks import question_blocks
from bot.tutor.review_rules import ReviewStatus
from content.models import Question

REVIEW = "review"  # action id prefix of a review card's buttons
HOME_REVIEW_ON, HOME_REVIEW_OFF = "home_review_on", "home_review_off"
WHY_OFF = {
    "cannot_dm_bot": "I wasn't allowed to send you a DM",
    "user_not_found": "Slack couldn't find your account",
    "account_inactive": "your account was inactive",
    "user_disabled": "your account was deactivated",
}


def review_dm_blocks(cards: Sequence[tuple[Question, str]]) -> list[Block]:
    """Up to three due cards, each with its own buttons; `cards` pairs a question with its topic's title."""
    many = len(cards) != 1
    blocks: list[Block] = [
        header("Your review for today"),
        section(
            f"{len(cards)} question{'s' if many else ''} you answered before, back just as you might forget "
            f"{'them' if many else 'it'}. Answers count for mastery, not the leaderboard."
        ),
    ]
    for question, title in cards:
        blocks.append(divider())
        blocks += question_blocks(question, title, prefix=REVIEW, ref=question.id, status="")
    blocks.append(context(mrkdwn("`/tutor review off` stops these DMs; `/tutor review` shows what is due.")))
    return blocks


def _where(status: ReviewStatus) -> str:
    return f"{status.review_time} ({status.tz or 'UTC, until Slack tells me your time zone'})"


def status_text(status: ReviewStatus) -> str:
    if not status.enabled:
        why = WHY_OFF.get(status.stopped_reason or "", status.stopped_reason or "")
        stopped = f" I switched them off because {why}." if status.stopped_reason else ""
        return (
            f"Personal reviews are off.{stopped} Turn them on with `/tutor review on [HH:MM]`: each day at that time "
            f"(your own time zone) I DM you up to 3 questions you answered before, just as you might forget them."
        )
    if status.next_date is None:
        upcoming = "Nothing to review yet: answer the daily quiz or `/tutor quiz` and questions start coming back."
    else:
        upcoming = f"Next review: *{status.next_date:%a %d %b}*, {status.due_today} question(s) due now."
    return f"Personal reviews are on, daily at {_where(status)}. {upcoming} You have {status.cards} card(s) in all."


def status_blocks(status: ReviewStatus) -> list[Block]:
    return [section(status_text(status))]


def home_section(status: ReviewStatus) -> list[Block]:
    """The App Home's review section: the status and a button to switch."""
    toggle = (
        button("Stop reviews", HOME_REVIEW_OFF, "off")
        if status.enabled
        else button("Start daily reviews", HOME_REVIEW_ON, "on", style="primary")
    )
    return [divider(), section(f"*Personal reviews*\n{status_text(status)}"), actions(toggle)]
