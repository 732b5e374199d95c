"""A daily post's life after posting: the answer count while open, and the results when it closes.

chat.update is Slack's Tier 3 (about 50 a minute per workspace): a burst of answers makes at most one count
update per post every COUNT_REFRESH_EVERY, and the scheduler catches up the counts a burst skipped. A reveal
is retried every tick until Slack shows it, and given up only when the message is gone for good."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.quiz_blocks import revealed_blocks
from bot.services.quiz.posting import open_blocks, topic_title
from bot.services.runtime.context import Context
from bot.services.slack.clients import NotInstalled, slack_error
from bot.services.slack.tracked import PERMANENT_ERRORS
from storage.db import reading, transaction
from storage.records import PostRecord
from storage.repos import answers, posts, schedules

log = logging.getLogger(__name__)
GONE_MESSAGE_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
COUNT_REFRESH_EVERY = timedelta(seconds=5)


def close_due(ctx: Context) -> int:
    """Close every post whose time is up, then reveal every closed post not yet revealed (retried each tick)."""
    closed = 0
    with reading(ctx.sessions) as session:
        due = posts.posts_to_close(session, ctx.clock())
    for post in due:
        with transaction(ctx.sessions) as session:
            closed += posts.mark_closed(session, post.id, ctx.clock())
    with reading(ctx.sessions) as session:
        unrevealed = posts.posts_to_reveal(session)
    for post in unrevealed:
        try:
            client = ctx.slack.for_workspace(post.workspace_id)
        except NotInstalled as exc:  # nobody can see the results in a workspace that removed the app
            log.warning("giving up revealing post %s in %s: %s", post.id, post.channel_id, exc)
            with transaction(ctx.sessions) as session:
                posts.mark_revealed(session, post.id, ctx.clock())
            continue
        try_reveal(ctx, client, post)
    return closed


def try_reveal(ctx: Context, client: WebClient, post: PostRecord) -> None:
    """Reveal, or leave the post for the next tick; give up only when Slack says the message is gone for good."""
    try:
        _reveal(ctx, client, post)
    except SlackApiError as exc:
        error = slack_error(exc)
        if error in PERMANENT_ERRORS or error in GONE_MESSAGE_ERRORS:
            log.warning("giving up revealing post %s in %s: %s", post.id, post.channel_id, error)
            with transaction(ctx.sessions) as session:
                posts.mark_revealed(session, post.id, ctx.clock())
        else:
            log.error("could not reveal post %s in %s (%s); will retry", post.id, post.channel_id, error)
    except Exception as exc:  # a timeout or a dropped connection: the next tick tries again
        log.error("could not reveal post %s in %s (%s); will retry", post.id, post.channel_id, exc.__class__.__name__)


def _reveal(ctx: Context, client: WebClient, post: PostRecord) -> None:
    question = ctx.bank.questions_by_id.get(post.question_id)
    with reading(ctx.sessions) as session:
        results = answers.results(session, post)
    if question is not None:
        blocks = revealed_blocks(
            question, topic_title(ctx, question), results.total, results.per_option, results.fastest
        )
        client.chat_update(channel=post.channel_id, ts=post.message_ts, text="Daily quiz results", blocks=blocks)
    with transaction(ctx.sessions) as session:
        posts.mark_revealed(session, post.id, ctx.clock())


def refresh_counts(ctx: Context) -> int:
    """Catch up answer counts that the per-answer throttle skipped."""
    updated = 0
    with reading(ctx.sessions) as session:
        stale = posts.posts_with_stale_count(session)
    for post, count in stale:
        with transaction(ctx.sessions) as session:
            claimed = posts.take_count_refresh(session, post.id, count, ctx.clock(), COUNT_REFRESH_EVERY)
        if claimed:
            try:
                updated += show_count(ctx, ctx.slack.for_workspace(post.workspace_id), post, count)
            except NotInstalled as exc:
                log.warning("no count update for post %s: %s", post.id, exc)
    return updated


def count_may_be_due(ctx: Context, post: PostRecord, now: datetime | None = None) -> bool:
    """False while this process updated the post's count a moment ago (the scheduler catches up what a burst
    skips); True when the database should be asked whether it is this process's turn."""
    last = ctx.count_claimed_at.get(post.id)
    return last is None or (now or ctx.clock()) - last >= COUNT_REFRESH_EVERY


def count_soon(ctx: Context, client: WebClient, post: PostRecord) -> int:
    """After an answer: update the post's count if no update (from any process) is younger than the throttle."""
    now = ctx.clock()
    if not count_may_be_due(ctx, post, now):
        return 0
    with transaction(ctx.sessions) as session:
        count = answers.answer_count(session, post.id)
        claimed = posts.take_count_refresh(session, post.id, count, now, COUNT_REFRESH_EVERY)
    if not claimed:
        return 0
    ctx.count_claimed_at[post.id] = now
    return show_count(ctx, client, post, count)


def show_count(ctx: Context, client: WebClient, post: PostRecord, count: int) -> int:
    if post.question_id not in ctx.bank.questions_by_id:
        return 0  # its question left the bank while the post was open: the reveal shows what it can
    with reading(ctx.sessions) as session:
        channel = schedules.get_channel(session, post.channel_id)
    try:
        blocks = open_blocks(ctx, post, count, channel.tz if channel else "UTC")
        client.chat_update(channel=post.channel_id, ts=post.message_ts, text="Daily quiz", blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not update the answer count of post %s: %s", post.id, slack_error(exc))
        return 0
    except Exception as exc:  # the scheduler's refresh will try again
        log.warning("could not update the answer count of post %s: %s", post.id, exc.__class__.__name__)
        return 0
    with reading(ctx.sessions) as session:
        latest = posts.get_post(session, post.id)
    if latest is not None and latest.closed_at is not None:
        # The post closed while this update was on its way and may have overwritten the results: reveal again,
        # and if that fails too, leave it to the next tick rather than to the person who clicked.
        with transaction(ctx.sessions) as session:
            posts.mark_revealed(session, post.id, None)
        try_reveal(ctx, client, latest)
    return 1
