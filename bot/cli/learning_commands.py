"""Learning that sticks, from a shell: `post-reviews` (safe from cron, like `post-quiz`) and `insights`, a
channel's or a team's figures in the terminal with the chart as a PNG file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.runtime import context, fail, slack_or_exit, workspace
from bot.services.learning import delivery


def add_commands(sub: Any) -> None:
    _add_reviews(sub)
    _add_insights(sub)


def _add_reviews(sub: Any) -> None:
    post = sub.add_parser("post-reviews", help="send the personal review DMs that are due (safe from cron)")
    post.set_defaults(func=post_reviews)


def post_reviews(args: argparse.Namespace) -> int:
    ctx = context()
    slack_or_exit(ctx)
    report = delivery.resolve_unsure(ctx) + delivery.post_due(ctx)
    for line in report:
        print(line)
    sent = sum(line.endswith("card(s)") for line in report)
    print(f"{sent} review DM(s) sent; {len(report) - sent} other person-day(s) settled")
    return 0


def _add_insights(sub: Any) -> None:
    parser = sub.add_parser("insights", help="a channel's or a team's insights; --png writes the chart")
    parser.add_argument("--channel", required=True, help="the quiz channel, e.g. C0123ABCD")
    parser.add_argument("--team", help="a team's figures instead of the channel's people")
    parser.add_argument("--period", choices=("week", "month"), default="week", help="the last 7 (default) or 30 days")
    parser.add_argument("--png", type=Path, help="write the chart (accuracy per topic, last 8 weeks) to this file")
    parser.add_argument("--workspace", help="workspace id (default: the bot token's, or the only one stored)")
    parser.set_defaults(func=show_insights)


def show_insights(args: argparse.Namespace) -> int:
    from bot.blocks.insight_blocks import insight_lines
    from bot.services.learning import insights

    ctx = context()
    target = insights.Target(workspace(ctx, args.workspace), args.channel, args.team)
    now = ctx.clock()
    label = f"team {args.team}" if args.team else f"channel {args.channel}"
    try:
        report = insights.build_report(ctx, target, args.period, now, label)
    except insights.UnknownTeam:
        return fail(f"no team called {args.team} in this workspace", 2)
    print(f"Insights for {report.scope}")
    for line in insight_lines(report, markup=False):
        print(line)
    if args.png:
        png = None if report.ever < 3 else insights.chart_png(ctx, target, now)
        if png is None:
            return fail("no chart: no topic had 3 or more people answering in a week of the last 8")
        args.png.write_bytes(png)
        print(f"chart written to {args.png} ({len(png)} bytes)")
    return 0
