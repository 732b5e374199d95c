"""The weekly insights post, exactly once per target and week: to a channel with its weekly summary
(`channels add … --insights`), or by DM to each person who asked (`/tutor insights weekly on`).

The pattern is the weekly summary's (services/quiz/posting.py): the (workspace, target, week) row is claimed
first, a compare-and-set lease marks a send as begun, and a send whose answer was lost is looked for in the
conversation's history (by the claim's id in the message metadata) before it is ever sent again. The chart
follows the message through files_upload_v2, once: a lost upload is logged, never repeated into a double."""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.insight_blocks import insight_blocks, insight_summary
from bot.services.learning.insights import Target, UnknownTeam, build_report, chart_png
from bot.services.runtime.context import Context
from bot.services.slack.clients import NotInstalled, slack_error
from bot.services.slack.tracked import (
    RESOLVE_AFTER,
    UNDELIVERABLE_DM,
    UNSURE_ERRORS,
    Sent,
    find_tracked,
    send_tracked,
)
from bot.tutor.schedule_rules import to_local, to_utc, week_start
from storage.db import reading, transaction
from storage.insight_records import InsightPostRecord
from storage.repos import insights as repo

log = logging.getLogger(__name__)
INSIGHTS_EVENT = "lab2prod_weekly_insights"
RATE_LIMITED = "ratelimited"  # the one plain refusal a later try may not meet
DM_FROM = time(9, 0)  # DMs go out from Monday 09:00 in the scope channel's time zone (UTC when it has none)


def _week(now: datetime, tz_name: str) -> tuple[datetime, datetime]:
    """(this week's Monday 00:00 as naive UTC, local now) in `tz_name`."""
    tz = ZoneInfo(tz_name)
    local = to_local(now, tz)
    start = datetime.combine(week_start(local.date()), time(0), tzinfo=tz)
    return to_utc(start), local


def claim_due(ctx: Context) -> int:
    """Claim this week's sends that are due: channels whose week's first quiz is out, DMs from Monday 09:00."""
    now, claimed = ctx.clock(), 0
    with reading(ctx.sessions) as session:
        channels = repo.insight_channels(session)
        subs = repo.subscriptions(session)
        tzs = {s.channel_id: repo.channel_tz(session, s.channel_id) for s in subs}
    for workspace, channel, tz in channels:
        start, _ = _week(now, tz)
        with transaction(ctx.sessions) as session:
            monday = to_local(start, ZoneInfo(tz)).date()
            if repo.quiz_out_since(session, channel, monday):
                claimed += repo.claim_send(session, workspace, channel, None, monday, now)
    for sub in subs:
        tz = tzs.get(sub.channel_id) or "UTC"
        _, local = _week(now, tz)
        if local.weekday() == 0 and local.time() < DM_FROM:
            continue
        with transaction(ctx.sessions) as session:
            week = week_start(local.date())
            claimed += repo.claim_send(session, sub.workspace_id, sub.user_id, sub.user_id, week, now)
    return claimed


def send_weekly(ctx: Context) -> int:
    """Claim what is due, then send every owed insights post; returns how many went out. Safe to repeat."""
    claim_due(ctx)
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        owed = repo.sends_owed(session, now - RESOLVE_AFTER)
    sent = 0
    for post in owed:
        with transaction(ctx.sessions) as session:
            if not repo.take_send(session, post.id, post.attempted_at, now):
                continue  # another sender is on it
        try:
            sent += _send_one(ctx, post)
        except NotInstalled as exc:
            log.warning("no weekly insights for %s: %s", post.target, exc)
            _finish(ctx, post, None)
        except Exception:
            log.exception("the weekly insights for %s failed; will retry", post.target)
    return sent


def _target(ctx: Context, post: InsightPostRecord) -> tuple[Target, str] | None:
    """Whose figures and in which time zone; None when a DM's subscription is gone."""
    with reading(ctx.sessions) as session:
        if post.user_id is None:
            return Target(post.workspace_id, post.target), repo.channel_tz(session, post.target) or "UTC"
        subs = repo.subscriptions(session, post.workspace_id, post.user_id)
        if not subs:
            return None
        sub = subs[0]
        return Target(post.workspace_id, sub.channel_id, sub.team_name), repo.channel_tz(
            session, sub.channel_id
        ) or "UTC"


def _send_one(ctx: Context, post: InsightPostRecord) -> int:
    found = _target(ctx, post)
    if found is None:
        _finish(ctx, post, None)  # switched off after the claim: nothing owed
        return 0
    target, tz = found
    client = ctx.slack.for_workspace(post.workspace_id)
    try:
        conversation = post.target if post.user_id is None else _open_dm(client, post.user_id)
    except SlackApiError as exc:
        if not _plain_refusal(exc):
            raise
        log.warning("Slack refused a DM for the weekly insights (%s): skipped this week", slack_error(exc))
        _finish(ctx, post, None)
        return 0
    if conversation is None:
        _switch_off(ctx, post)
        return 0
    if post.attempted_at is not None:  # an earlier send's fate is unknown: look before sending again
        ts = find_tracked(client, conversation, INSIGHTS_EVENT, post.id, post.attempted_at)
        if ts:
            _finish(ctx, post, ts)
            return 0
    until = to_utc(datetime.combine(post.week_start, time(0), tzinfo=ZoneInfo(tz)))
    try:
        report = build_report(ctx, target, "week", until)
    except UnknownTeam:
        _finish(ctx, post, None)  # the team is gone
        return 0
    title = f"Last week's insights: {report.scope}"
    result: Sent = send_tracked(
        client, conversation, insight_summary(report), insight_blocks(report, title), INSIGHTS_EVENT, post.id
    )
    if result.refused:
        log.warning("Slack refused the weekly insights for %s: %s", post.target, result.refused)
        if post.user_id is not None and result.refused in UNDELIVERABLE_DM:
            _switch_off(ctx, post)
        elif result.refused != RATE_LIMITED:  # a plain no will not change in two minutes: this week is skipped
            _finish(ctx, post, None)
        return 0
    if not result.ts:
        return 0  # unsure: the next look finds it or sends it
    _finish(ctx, post, result.ts)
    if not report.too_few:
        _upload_chart(ctx, client, post, conversation, target, until)
    return 1


def _switch_off(ctx: Context, post: InsightPostRecord) -> None:
    """A person Slack cannot reach is unsubscribed at once (consent, and no retry every week), as for reviews."""
    with transaction(ctx.sessions) as session:
        repo.unsubscribe(session, post.workspace_id, str(post.user_id))
    _finish(ctx, post, None)


def _plain_refusal(exc: SlackApiError) -> bool:
    """Slack said no, clearly and not for now only: neither a rate limit nor an answer that may hide a success."""
    error = slack_error(exc)
    return exc.response.status_code < 500 and error not in UNSURE_ERRORS and error != RATE_LIMITED


def _open_dm(client: WebClient, user_id: str) -> str | None:
    try:
        return str(client.conversations_open(users=user_id)["channel"]["id"])
    except SlackApiError as exc:
        error = slack_error(exc)
        if error in UNDELIVERABLE_DM:
            log.warning("cannot DM the weekly insights to a person (%s): their weekly DM is switched off", error)
            return None
        raise


def _upload_chart(
    ctx: Context, client: WebClient, post: InsightPostRecord, conversation: str, target: Target, until: datetime
) -> None:
    png = chart_png(ctx, target, until)
    if png is None:
        return
    try:
        done = client.files_upload_v2(
            channel=conversation,
            file=png,
            filename="insights.png",
            title="Accuracy per topic, last 8 weeks",
            alt_txt="Line chart: the share of right answers per topic, week by week, for the last 8 weeks",
        )
    except Exception:
        log.exception("the insights chart for %s was not uploaded", post.target)
        return
    file_id = str((done.get("file") or {}).get("id") or "")
    if file_id:
        with transaction(ctx.sessions) as session:
            repo.record_chart(session, post.id, file_id)


def _finish(ctx: Context, post: InsightPostRecord, ts: str | None) -> None:
    with transaction(ctx.sessions) as session:
        repo.finish_send(session, post.id, ctx.clock(), ts)
