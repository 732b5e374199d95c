"""Team insights for a channel's people or a team: figures from the stored answers (`tutor/insights` does the
maths and the privacy rule), the `/tutor insights` reply, and who gets the weekly insights by DM."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.blocks.insight_blocks import insight_blocks, insight_summary
from bot.blocks.kit import escape
from bot.services.runtime.context import Context
from bot.tutor import insights as rules
from bot.tutor.insights import ChartSeries, Insights
from storage.db import reading, transaction
from storage.insight_records import Scope
from storage.repos import insights as repo

log = logging.getLogger(__name__)


class UnknownTeam(LookupError):
    """No team by that name in this workspace."""


@dataclass(frozen=True)
class Target:
    """Whose answers: one channel's quiz, or one team (by name), in one workspace."""

    workspace_id: str
    channel_id: str | None
    team_name: str | None = None


def _scope(ctx: Context, target: Target) -> tuple[Scope, str]:
    """The repository's scope and a label for people; UnknownTeam when the team is not in this workspace."""
    if target.team_name:
        with reading(ctx.sessions) as session:
            found = repo.team_pk(session, target.workspace_id, target.team_name)
        if found is None:
            raise UnknownTeam(target.team_name)
        return Scope(target.workspace_id, team_pk=found[0]), f"team {found[1]}"
    return Scope(target.workspace_id, channel_id=target.channel_id), f"<#{target.channel_id}>"


def build_report(ctx: Context, target: Target, period: str, until: datetime, label: str | None = None) -> Insights:
    """The figures for the `period` ending at `until` (naive UTC), against the period before."""
    scope, scope_label = _scope(ctx, target)
    bounds = rules.period_bounds(until, period)
    weeks = rules.week_bounds(until)
    with reading(ctx.sessions) as session:
        cells = repo.topic_tallies(session, scope, bounds)
        windows = repo.window_tallies(session, scope, bounds)
        questions = repo.question_tallies(session, scope, bounds[1], bounds[2])
        weekly = repo.window_tallies(session, scope, weeks)
        ever = repo.people_ever(session, scope, until)
    bank = ctx.bank
    return rules.build_insights(
        scope=label or scope_label,
        period=period,
        bounds=bounds,
        ever=ever,
        windows=windows,
        topics_now={c.topic: c.tally for c in cells if c.bucket == 1},
        topics_before={c.topic: c.tally for c in cells if c.bucket == 0},
        questions=[(q.topic, q.question_id, q.tally) for q in questions],
        weekly=weekly,
        titles={t: topic.title for t, topic in bank.topics.items()},
        prompts={q.id: q.prompt for q in bank.questions},
    )


def build_chart(ctx: Context, target: Target, until: datetime) -> ChartSeries:
    scope, _ = _scope(ctx, target)
    weeks = rules.week_bounds(until)
    with reading(ctx.sessions) as session:
        cells = repo.topic_tallies(session, scope, weeks)
    titles = {t: topic.title for t, topic in ctx.bank.topics.items()}
    return rules.chart_series(weeks, [(c.bucket, c.topic, c.tally) for c in cells], titles)


def chart_png(ctx: Context, target: Target, until: datetime) -> bytes | None:
    """The chart as PNG bytes; None when no topic has a week with MIN_GROUP people (nothing to draw)."""
    from bot.services.learning.chart import render_png  # matplotlib loads only when a chart is drawn

    series = build_chart(ctx, target, until)
    if series.empty:
        return None
    return render_png(series, f"Accuracy per topic, last {len(series.weeks)} weeks")


# -- /tutor insights ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsightRequest:
    workspace_id: str
    user_id: str
    channel_id: str | None
    period: str
    team_name: str | None
    response_url: str


def send_reply(ctx: Context, request: InsightRequest) -> None:
    """Read on the background pool (a big channel's tallies take a while), answer privately via response_url."""
    ctx.background.submit(_reply, ctx, request)


def _reply(ctx: Context, request: InsightRequest) -> None:
    message = reply_message(ctx, request)
    ctx.slack.respond(request.response_url, {"response_type": "ephemeral", **message})


def reply_message(ctx: Context, request: InsightRequest) -> dict[str, object]:
    target = Target(request.workspace_id, request.channel_id, request.team_name)
    label = None if request.team_name else "this channel"
    try:
        report = build_report(ctx, target, request.period, ctx.clock(), label)
    except UnknownTeam as exc:
        text = f"There is no team called *{escape(str(exc))}* here. `/tutor team list` shows the teams."
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    title = f"Insights: {report.scope}"
    return {"text": insight_summary(report), "blocks": insight_blocks(report, title)}


def set_weekly(
    ctx: Context, workspace_id: str, user_id: str, channel_id: str | None, on: bool, team: str | None
) -> str:
    """Turn the weekly insights DM on (for this channel's people, or a team) or off; returns what to tell them."""
    if not on:
        with transaction(ctx.sessions) as session:
            removed = repo.unsubscribe(session, workspace_id, user_id)
        return "Weekly insights by DM are off." if removed else "You weren't getting weekly insights by DM."
    if team:
        with reading(ctx.sessions) as session:
            found = repo.team_pk(session, workspace_id, team)
        if found is None:
            return f"There is no team called *{escape(team)}* here. `/tutor team list` shows the teams."
        team = found[1]
    with transaction(ctx.sessions) as session:
        repo.subscribe(session, workspace_id, user_id, None if team else channel_id, team, ctx.clock())
    whose = f"team *{team}*" if team else f"<#{channel_id}>"
    return f":incoming_envelope: Every Monday I'll DM you last week's insights for {whose}, with the chart."


def set_channel_insights(ctx: Context, channel_id: str, on: bool) -> bool:
    """The weekly insights post in a scheduled channel, with its weekly summary; False if it has no schedule."""
    with transaction(ctx.sessions) as session:
        return repo.set_channel_insights(session, channel_id, on)
