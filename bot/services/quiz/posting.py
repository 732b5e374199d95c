"""Posting the daily quiz (and the weekly summary) exactly once per channel and day, whatever Slack does.

A channel's day is claimed in the database before anything is sent; the claim records that a send began.
If Slack's answer is lost (a timeout, a dropped connection, a 5xx, Slack's own internal_error, or this
process dying mid-call), nobody sends again blindly: after RESOLVE_AFTER, one poller (a compare-and-set
lease) looks in the channel's history for a message carrying the claim's id in its metadata. Found, it is
adopted; not there, it is sent again while the day lasts. A click on the message also proves it exists
(services/answering.py adopts its ts). Slack saying plainly "no" (ok: false) frees the day, or, for errors
a retry cannot fix, skips it. (One module for the quiz and the weekly summary: they share the claim, the
metadata and the look-before-resending rules, over 300 lines.)"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.blocks.kit import Block
from bot.blocks.quiz_blocks import DAILY, question_blocks, status_line
from bot.blocks.score_blocks import weekly_summary_blocks
from bot.services.quiz import item_stats
from bot.services.runtime.context import Context
from bot.services.scores import leaderboards
from bot.services.slack.clients import NotInstalled, slack_error
from bot.services.slack.tracked import (
    NOT_INSTALLED_ERROR,
    PERMANENT_ERRORS,
    RESOLVE_AFTER,
    Sent,
    find_tracked,
    send_tracked,
)
from bot.tutor import quiz_rules
from bot.tutor.schedule_rules import due_date, parse_time, parse_weekdays, to_local, to_utc, week_start
from content.models import Question
from storage.db import reading, transaction
from storage.records import ChannelRecord, PostRecord
from storage.repos import posts, schedules

log = logging.getLogger(__name__)
QUIZ_EVENT, SUMMARY_EVENT = "lab2prod_daily_quiz", "lab2prod_weekly_summary"


# -- the daily quiz ------------------------------------------------------------------------------------


def topic_title(ctx: Context, question: Question) -> str:
    topic = ctx.bank.topics.get(question.topic)
    return topic.title if topic else question.topic


def open_blocks(ctx: Context, post: PostRecord, answered: int, tz_name: str) -> list[Block]:
    question = ctx.bank.questions_by_id[post.question_id]
    closes = to_local(post.closes_at, ZoneInfo(tz_name)).strftime("at %H:%M %Z")
    return question_blocks(
        question, topic_title(ctx, question), prefix=DAILY, ref=str(post.id), status=status_line(answered, closes)
    )


def post_due(ctx: Context, channel_id: str | None = None) -> list[str]:
    """Post today's quiz to every due channel (or one). Safe to run anywhere, any number of times at once."""
    report = []
    for channel in schedules_of(ctx, channel_id):
        try:
            report.append(f"{channel.channel_id}: {_post_channel(ctx, channel)}")
        except Exception as exc:  # one broken channel must not keep the others from their quiz
            log.exception("posting the quiz to %s failed", channel.channel_id)
            report.append(f"{channel.channel_id}: failed before sending ({exc.__class__.__name__}); will retry")
    return report


def schedules_of(ctx: Context, channel_id: str | None) -> list[ChannelRecord]:
    with reading(ctx.sessions) as session:
        return schedules.find_channels(session, channel_id)


def _today(channel: ChannelRecord, now: datetime) -> date | None:
    return due_date(now, parse_time(channel.post_time), ZoneInfo(channel.tz), parse_weekdays(channel.weekdays))


def _post_channel(ctx: Context, channel: ChannelRecord) -> str:
    now = ctx.clock()
    day = _today(channel, now)
    if day is None:
        return "not due"
    if channel.skipped_on == day:
        return f"skipped today: Slack said {channel.last_error}"
    # Observed difficulty (for the mix) is an aggregate over the workspace's answers: read it outside the write
    # lock, where it holds up no click, and only while today is unposted (this runs every tick all day).
    with reading(ctx.sessions) as session:
        unposted = posts.post_on(session, channel.channel_id, day) is None
    seen = item_stats.observed_difficulties(ctx, channel.workspace_id) if unposted else {}
    with transaction(ctx.sessions) as session:
        existing = posts.post_on(session, channel.channel_id, day)
        if existing is not None:
            if existing.message_ts is None:
                return f"today's quiz ({day}) was sent; waiting for Slack to confirm it"
            return f"already has the quiz for {day}"
        usage, recent = posts.question_usage(session, channel.channel_id)
        by_id = ctx.bank.questions_by_id
        recent_levels = [seen.get(q, by_id[q].difficulty) for q in recent if q in by_id]
        question = quiz_rules.next_question(ctx.bank.questions, usage, recent_levels, f"{channel.id}:{day}", seen)
        post = posts.claim_post(
            session,
            workspace_id=channel.workspace_id,
            channel_id=channel.channel_id,
            local_date=day,
            question_id=question.id,
            at=now,
            closes_at=now + timedelta(minutes=channel.close_after_minutes),
            summary_due=channel.weekly_summary and posts.first_post_of_week(session, channel.channel_id, day),
        )
    if post is None:
        return "another poster got there first"
    return _send_quiz(ctx, channel, post)


def _send_quiz(ctx: Context, channel: ChannelRecord, post: PostRecord) -> str:
    question = ctx.bank.questions_by_id[post.question_id]
    try:
        client = ctx.slack.for_workspace(channel.workspace_id)
    except NotInstalled:
        sent = Sent(refused=NOT_INSTALLED_ERROR)
    else:
        text = f"Daily quiz: {question.prompt}"
        sent = send_tracked(
            client, channel.channel_id, text, open_blocks(ctx, post, 0, channel.tz), QUIZ_EVENT, post.id
        )
    metrics.QUIZ_POSTS.labels("refused" if sent.refused else "unsure" if sent.unsure else "posted").inc()
    if sent.refused:
        permanent = sent.refused in PERMANENT_ERRORS
        log.error("Slack refused the quiz for %s: %s", channel.channel_id, sent.refused)
        with transaction(ctx.sessions) as session:
            posts.release_claim(session, post.id)
            if permanent:  # retrying every tick cannot help; try again tomorrow and say why in `channels list`
                schedules.note_channel_error(session, channel.id, sent.refused, post.local_date)
        return f"Slack refused the post ({sent.refused}); " + ("skipping today" if permanent else "will retry")
    if sent.unsure:
        log.warning("the quiz for %s may or may not be posted (%s)", channel.channel_id, sent.unsure)
        return f"Slack's answer was lost ({sent.unsure}); it will be looked for before any second send"
    try:
        with transaction(ctx.sessions) as session:
            posts.set_message(session, post.id, str(sent.ts))
            schedules.note_channel_error(session, channel.id, None, None)
    except Exception:
        # The quiz is out; only its ts is unrecorded. The resolver finds the message and records it.
        log.exception("posted the quiz to %s but could not record it", channel.channel_id)
        return f"posted {question.id} for {post.local_date} (recording it failed; it will be found again)"
    if post.summary_due:
        send_summaries(ctx, only_post=post.id)
    return f"posted {question.id} for {post.local_date}"


def resolve_unsure(ctx: Context) -> list[str]:
    """Settle claims whose send's fate was lost: adopt the message if Slack has it, else send again today."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        unresolved = posts.unresolved_posts(session, now - RESOLVE_AFTER)
    report = []
    for post in unresolved:
        with transaction(ctx.sessions) as session:
            if not posts.take_retry(session, post.id, post.attempted_at, now):
                continue  # another poller is on it
            channel = schedules.get_channel(session, post.channel_id)
        try:
            report.append(f"{post.channel_id}: {_resolve(ctx, post, channel, now)}")
        except NotInstalled as exc:
            log.warning("cannot look for the quiz post %s in %s: %s", post.id, post.channel_id, exc)
            report.append(f"{post.channel_id}: the app is not installed there; will look again")
        except Exception as exc:
            log.exception("resolving the quiz post %s in %s failed", post.id, post.channel_id)
            report.append(f"{post.channel_id}: still unsure ({exc.__class__.__name__}); will look again")
    return report


def _resolve(ctx: Context, post: PostRecord, channel: ChannelRecord | None, now: datetime) -> str:
    client = ctx.slack.for_workspace(post.workspace_id)
    try:
        found = find_tracked(client, post.channel_id, QUIZ_EVENT, post.id, post.claimed_at)
    except SlackApiError as exc:
        error = slack_error(exc)
        # Without the history nobody can tell whether the quiz is there: keep the claim (no second quiz),
        # say so in `channels list`, and look again later.
        if channel is not None:
            with transaction(ctx.sessions) as session:
                schedules.note_channel_error(session, channel.id, f"unconfirmed post: {error}", channel.skipped_on)
        return f"cannot read the channel's history ({error}); the quiz is not sent again"
    if found:
        with transaction(ctx.sessions) as session:
            posts.set_message(session, post.id, found)
        log.info("found the quiz post %s in %s after a lost answer", post.id, post.channel_id)
        if post.summary_due:
            send_summaries(ctx, only_post=post.id)
        return f"found the quiz for {post.local_date} in Slack"
    if channel is None or _today(channel, now) != post.local_date:
        with transaction(ctx.sessions) as session:
            posts.release_claim(session, post.id)
        return f"the quiz for {post.local_date} never arrived and its day is over"
    if post.question_id not in ctx.bank.questions_by_id:
        # A content release retired the item while its send was unsure: it never arrived, so the day is free
        # to be claimed again with a live question on the next tick.
        with transaction(ctx.sessions) as session:
            posts.release_claim(session, post.id)
        return f"the quiz for {post.local_date} never arrived and its question {post.question_id} was retired"
    return _send_quiz(ctx, channel, post)


# -- the weekly summary --------------------------------------------------------------------------------


def send_summaries(ctx: Context, only_post: int | None = None) -> int:
    """Post last week's leaderboard with the week's first quiz; retried until out, looked for before a resend."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        due = [p for p in posts.summaries_due(session, now - RESOLVE_AFTER) if only_post in (None, p.id)]
    sent = 0
    for post in due:
        with transaction(ctx.sessions) as session:
            if not posts.take_summary(session, post.id, post.summary_attempted_at, now):
                continue
            channel = schedules.get_channel(session, post.channel_id)
        try:
            sent += _summary(ctx, post, channel)
        except NotInstalled as exc:
            log.warning("no weekly summary for %s: %s", post.channel_id, exc)
            _finish_summary(ctx, post, None)
        except Exception:
            log.exception("the weekly summary for %s failed; will retry", post.channel_id)
    return sent


def _summary(ctx: Context, post: PostRecord, channel: ChannelRecord | None) -> int:
    client = ctx.slack.for_workspace(post.workspace_id)
    if post.summary_attempted_at is not None:  # an earlier send's fate is unknown: look before sending again
        found = find_tracked(client, post.channel_id, SUMMARY_EVENT, post.id, post.summary_attempted_at)
        if found:
            _finish_summary(ctx, post, found)
            return 0
    tz = ZoneInfo(channel.tz if channel else "UTC")
    this_week = week_start(post.local_date)
    since, until = (to_utc(datetime.combine(d, time(0), tzinfo=tz)) for d in (this_week - timedelta(days=7), this_week))
    board = leaderboards.period_board(ctx, client, post.workspace_id, post.channel_id, since, until, tz.key)
    if not board.rows:
        _finish_summary(ctx, post, None)  # nobody played last week: nothing to summarise
        return 0
    blocks = weekly_summary_blocks(board, this_week - timedelta(days=7))
    result = send_tracked(client, post.channel_id, "Last week's quiz leaderboard", blocks, SUMMARY_EVENT, post.id)
    if result.refused:
        log.warning("Slack refused the weekly summary for %s: %s", post.channel_id, result.refused)
        if result.refused in PERMANENT_ERRORS:
            _finish_summary(ctx, post, None)
        return 0
    if result.ts:
        _finish_summary(ctx, post, result.ts)
        return 1
    return 0  # unsure: the next look finds it or sends it


def _finish_summary(ctx: Context, post: PostRecord, ts: str | None) -> None:
    with transaction(ctx.sessions) as session:
        posts.finish_summary(session, post.id, ts)
