"""The daily quiz and practice questions: glue between the pure rules, the repositories and Slack."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import Block
from bot.blocks.quiz import DAILY, PRACTICE, feedback_blocks, question_blocks, revealed_blocks, status_line
from bot.context import Context
from bot.tutor import quiz as rules
from bot.tutor.schedule import (
    ScheduleError,
    due_date,
    format_weekdays,
    parse_duration,
    parse_time,
    parse_tz,
    parse_weekdays,
    to_local,
)
from content.models import Question
from storage.db import reading, transaction
from storage.models import Answer, QuizChannel, QuizPost
from storage.repos import quiz as repo

log = logging.getLogger(__name__)
# Slack errors that retrying every tick cannot fix; the channel is skipped for the day instead.
PERMANENT_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "missing_scope", "invalid_auth"}
)
GONE_MESSAGE_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
COUNT_REFRESH_EVERY = timedelta(seconds=5)  # chat.update is rate limited; a burst of answers makes one update
STALE_CLAIM = timedelta(minutes=10)  # a claim with no message after this long was a crash mid-post


@dataclass(frozen=True)
class Outcome:
    """What to tell the person: always a short text, blocks when there is more to show."""

    text: str
    blocks: list[Block] | None = None
    recorded: bool = False
    count_update: tuple[QuizPost, int] | None = None  # the post's answer count to show next, when it is our turn


# -- schedule ----------------------------------------------------------------------------------------


def save_channel(
    ctx: Context,
    workspace_id: str,
    channel_id: str,
    time_text: str,
    tz_name: str,
    weekdays_text: str = "mon-fri",
    close_after_text: str = "8h",
    weekly_summary: bool | None = None,
) -> QuizChannel:
    """Validate and store a channel's schedule; ScheduleError says what is wrong in words a person can act on."""
    post_at, tz = parse_time(time_text), parse_tz(tz_name)
    days, close_after = parse_weekdays(weekdays_text), parse_duration(close_after_text)
    with transaction(ctx.sessions) as session:
        return repo.upsert_channel(
            session,
            workspace_id=workspace_id,
            channel_id=channel_id,
            post_time=post_at.strftime("%H:%M"),
            tz=tz.key,
            weekdays=format_weekdays(days),
            close_after_minutes=int(close_after.total_seconds() // 60),
            weekly_summary=weekly_summary,
            at=ctx.clock(),
        )


def describe(channel: QuizChannel) -> str:
    hours, minutes = divmod(channel.close_after_minutes, 60)
    return (
        f"{channel.channel_id}: {channel.post_time} {channel.tz} on {channel.weekdays},"
        f" open {hours}h{minutes:02d}m"
        + ("" if channel.weekly_summary else ", weekly summary off")
        + (f"; last post failed: {channel.last_error}" if channel.last_error else "")
    )


# -- posting and closing -----------------------------------------------------------------------------


def _topic_title(ctx: Context, question: Question) -> str:
    topic = ctx.bank.topics.get(question.topic)
    return topic.title if topic else question.topic


def _closes_label(post: QuizPost, tz_name: str) -> str:
    return to_local(post.closes_at, ZoneInfo(tz_name)).strftime("at %H:%M %Z")


def _open_blocks(ctx: Context, post: QuizPost, answered: int, tz_name: str) -> list[Block]:
    question = ctx.bank.questions_by_id[post.question_id]
    status = status_line(answered, _closes_label(post, tz_name))
    return question_blocks(question, _topic_title(ctx, question), prefix=DAILY, ref=str(post.id), status=status)


def post_due(ctx: Context, client: WebClient, channel_id: str | None = None) -> list[str]:
    """Post today's quiz to every due channel (or one). Safe to run anywhere, any number of times at once."""
    with reading(ctx.sessions) as session:
        channels = repo.find_channels(session, channel_id)
    report = []
    for channel in channels:
        try:
            report.append(f"{channel.channel_id}: {_post_channel(ctx, client, channel)}")
        except Exception as exc:  # one broken channel must not keep the others from their quiz
            log.exception("posting the quiz to %s failed", channel.channel_id)
            report.append(f"{channel.channel_id}: failed ({exc.__class__.__name__}); will retry")
    return report


def _post_channel(ctx: Context, client: WebClient, channel: QuizChannel) -> str:
    now = ctx.clock()
    day = due_date(now, parse_time(channel.post_time), ZoneInfo(channel.tz), parse_weekdays(channel.weekdays))
    if day is None:
        return "not due"
    if channel.skipped_on == day:
        return f"skipped today: Slack said {channel.last_error}"
    with transaction(ctx.sessions) as session:
        repo.release_stale_claims(session, now - STALE_CLAIM)
        if repo.post_exists(session, channel.workspace_id, channel.channel_id, day):
            return f"already has the quiz for {day}"
        usage, recent = repo.question_usage(session, channel.workspace_id, channel.channel_id)
        by_id = ctx.bank.questions_by_id
        question = rules.next_question(
            ctx.bank.questions, usage, [by_id[q].difficulty for q in recent if q in by_id], f"{channel.id}:{day}"
        )
        post = repo.claim_post(
            session,
            workspace_id=channel.workspace_id,
            channel_id=channel.channel_id,
            local_date=day,
            question_id=question.id,
            at=now,
            closes_at=now + timedelta(minutes=channel.close_after_minutes),
        )
    if post is None:
        return "another poster got there first"
    try:
        response = client.chat_postMessage(
            channel=channel.channel_id,
            text=f"Daily quiz: {question.prompt}",
            blocks=_open_blocks(ctx, post, 0, channel.tz),
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        permanent = error in PERMANENT_ERRORS
        log.error("could not post the quiz to %s: %s", channel.channel_id, error)
        with transaction(ctx.sessions) as session:
            repo.release_claim(session, post.id)
            if permanent:  # retrying every tick cannot help; try again tomorrow and say why in `channels list`
                repo.note_channel_error(session, channel.id, error, day)
        return f"Slack refused the post ({error}); " + ("skipping today" if permanent else "will retry")
    except Exception:
        # A timeout may hide a post that did go through: keep the claim, so only the stale-claim sweep
        # (STALE_CLAIM later) frees the day, instead of the next tick posting a second quiz at once.
        raise
    with transaction(ctx.sessions) as session:
        repo.set_message(session, post.id, response["ts"])
        repo.note_channel_error(session, channel.id, None, None)
        first_of_week = repo.first_post_of_week(session, channel.workspace_id, channel.channel_id, day)
    if channel.weekly_summary and first_of_week:
        _weekly_summary(ctx, client, channel, day)
    return f"posted {question.id} for {day}"


def _weekly_summary(ctx: Context, client: WebClient, channel: QuizChannel, day: date) -> None:
    from bot import scores_service  # scores build on the quiz, not the other way round

    try:
        scores_service.weekly_summary(ctx, client, channel.workspace_id, channel.channel_id, channel.tz, day)
    except SlackApiError as exc:
        log.warning("weekly summary for %s failed: %s", channel.channel_id, exc.response.get("error"))


def close_due(ctx: Context, client: WebClient) -> int:
    """Close every post whose time is up, then reveal every closed post not yet revealed (retried each tick)."""
    closed = 0
    with reading(ctx.sessions) as session:
        due = repo.posts_to_close(session, ctx.clock())
    for post in due:
        with transaction(ctx.sessions) as session:
            closed += repo.mark_closed(session, post.id, ctx.clock())
    with reading(ctx.sessions) as session:
        unrevealed = repo.posts_to_reveal(session)
    for post in unrevealed:
        _try_reveal(ctx, client, post)
    return closed


def _try_reveal(ctx: Context, client: WebClient, post: QuizPost) -> None:
    """Reveal, or leave the post for the next tick; give up only when Slack says the message is gone for good."""
    try:
        _reveal(ctx, client, post)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error in PERMANENT_ERRORS or error in GONE_MESSAGE_ERRORS:
            log.warning("giving up revealing post %s in %s: %s", post.id, post.channel_id, error)
            with transaction(ctx.sessions) as session:
                repo.mark_revealed(session, post.id, ctx.clock())
        else:
            log.error("could not reveal post %s in %s (%s); will retry", post.id, post.channel_id, error)
    except Exception:  # a timeout or a dropped connection: the next tick tries again
        log.exception("could not reveal post %s in %s; will retry", post.id, post.channel_id)


def _reveal(ctx: Context, client: WebClient, post: QuizPost) -> None:
    question = ctx.bank.questions_by_id.get(post.question_id)
    with reading(ctx.sessions) as session:
        results = repo.results(session, post)
    if question is not None:
        blocks = revealed_blocks(
            question, _topic_title(ctx, question), results.total, results.per_option, results.fastest
        )
        client.chat_update(channel=post.channel_id, ts=post.message_ts, text="Daily quiz results", blocks=blocks)
    with transaction(ctx.sessions) as session:
        repo.mark_revealed(session, post.id, ctx.clock())


def refresh_counts(ctx: Context, client: WebClient) -> int:
    """Catch up answer counts that the per-answer throttle skipped."""
    updated = 0
    with reading(ctx.sessions) as session:
        stale = repo.posts_with_stale_count(session)
    for post, count in stale:
        with transaction(ctx.sessions) as session:
            claimed = repo.take_count_refresh(session, post.id, count, ctx.clock(), COUNT_REFRESH_EVERY)
        if claimed:
            updated += show_count(ctx, client, post, count)
    return updated


def show_count(ctx: Context, client: WebClient, post: QuizPost, count: int) -> int:
    with reading(ctx.sessions) as session:
        channel = repo.get_channel(session, post.workspace_id, post.channel_id)
    try:
        blocks = _open_blocks(ctx, post, count, channel.tz if channel else "UTC")
        client.chat_update(channel=post.channel_id, ts=post.message_ts, text="Daily quiz", blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not update the answer count of post %s: %s", post.id, exc.response.get("error"))
        return 0
    with reading(ctx.sessions) as session:
        closed = repo.get_post(session, post.id)
    if closed is not None and closed.closed_at is not None:
        # The post closed while this update was on its way and may have overwritten the results: reveal again,
        # and if that fails too, leave it to the next tick rather than to the person who clicked.
        with transaction(ctx.sessions) as session:
            repo.mark_revealed(session, post.id, None)
        _try_reveal(ctx, client, closed)
    return 1


# -- answering ---------------------------------------------------------------------------------------


def answer_daily(ctx: Context, workspace_id: str, user_id: str, post_id: int, chosen: frozenset[int]) -> Outcome:
    """Grade and store one answer. The caller tells the person first, then sends `count_update` if any."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        post = repo.get_post(session, post_id)
        if post is None or post.workspace_id != workspace_id:
            return Outcome("I can't find that quiz any more. Try `/tutor quiz` for a practice question.")
        if post.closed_at is not None or now >= post.closes_at:
            return Outcome("This quiz has closed. The results are on the post; a new one comes tomorrow.")
        question = ctx.bank.questions_by_id.get(post.question_id)
        if question is None:
            return Outcome("That question has been retired from the bank, so it can't be scored. Sorry!")
        bad = _check_choice(question, chosen)
        if bad:
            return Outcome(bad)
        result = rules.grade(question.correct_indexes, len(question.options), chosen, question.kind == "multi")
        fresh = repo.add_answer(session, _answer_row(workspace_id, user_id, question, chosen, result, now, post))
        if not fresh:
            previous = repo.answer_of(session, post_id, user_id)
            mine = frozenset(int(i) for i in previous.choice.split(",")) if previous else chosen
            return Outcome(
                "You already answered this one; only your first answer counts.",
                feedback_blocks(question, mine, _regrade(question, mine), _topic_title(ctx, question)),
            )
        count = repo.answer_count(session, post_id)
        # Claim the count update in the same transaction: one write per click, and a burst makes one update.
        show = repo.take_count_refresh(session, post_id, count, now, COUNT_REFRESH_EVERY)
    blocks = feedback_blocks(question, chosen, result, _topic_title(ctx, question))
    return Outcome(_verdict(result), blocks, True, (post, count) if show else None)


def _regrade(question: Question, chosen: frozenset[int]) -> rules.Grade:
    return rules.grade(question.correct_indexes, len(question.options), chosen, question.kind == "multi")


def _check_choice(question: Question, chosen: frozenset[int]) -> str | None:
    if not chosen:
        return "Tick at least one box before you press Submit."
    if any(not 0 <= i < len(question.options) for i in chosen):
        return "That option is not part of this question."
    if question.kind != "multi" and len(chosen) != 1:
        return "Pick exactly one option."
    return None


def _verdict(result: rules.Grade) -> str:
    if result.correct:
        return "Right!"
    return f"Partly right ({round(result.credit * 100)}% credit)." if result.credit else "Not quite."


def _answer_row(
    workspace_id: str,
    user_id: str,
    question: Question,
    chosen: frozenset[int],
    result: rules.Grade,
    at: Any,
    post: QuizPost | None,
) -> Answer:
    return Answer(
        workspace_id=workspace_id,
        user_id=user_id,
        post_id=post.id if post else None,
        channel_id=post.channel_id if post else None,
        question_id=question.id,
        topic=question.topic,
        difficulty=question.difficulty,
        choice=",".join(str(i) for i in sorted(chosen)),
        credit=result.credit,
        correct=result.correct,
        practice=post is None,
        answered_at=at,
    )


# -- practice ----------------------------------------------------------------------------------------


def practice_question(ctx: Context, workspace_id: str, user_id: str) -> tuple[Question, list[Block]]:
    """A private question from the topic the person gets wrong most (any topic before their first miss)."""
    with reading(ctx.sessions) as session:
        wrong, right, recent = repo.topic_record(session, workspace_id, user_id)
    topic = rules.weakest_topic(wrong, right)
    question = rules.practice_question(ctx.bank.questions, topic, recent, f"{user_id}:{ctx.clock().isoformat()}")
    why = f"From *{ctx.bank.topics[topic].title}*, the topic you miss most." if topic else "A warm-up question."
    blocks = question_blocks(
        question,
        _topic_title(ctx, question),
        prefix=PRACTICE,
        ref=question.id,
        status=f"Practice counts for mastery, not the leaderboard. {why}",
    )
    return question, blocks


def answer_practice(ctx: Context, workspace_id: str, user_id: str, question_id: str, chosen: frozenset[int]) -> Outcome:
    question = ctx.bank.questions_by_id.get(question_id)
    if question is None:
        return Outcome("That practice question is no longer in the bank. Try `/tutor quiz` again.")
    bad = _check_choice(question, chosen)
    if bad:
        return Outcome(bad)
    result = _regrade(question, chosen)
    with transaction(ctx.sessions) as session:
        repo.add_answer(session, _answer_row(workspace_id, user_id, question, chosen, result, ctx.clock(), None))
    return Outcome(_verdict(result), feedback_blocks(question, chosen, result, _topic_title(ctx, question)), True)


__all__ = ["Outcome", "ScheduleError", "answer_daily", "answer_practice", "close_due", "post_due", "save_channel"]
