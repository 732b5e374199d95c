"""Personal reviews from a shell: `post-reviews` (safe from cron, like `post-quiz`)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.runtime import context, slack_or_exit
from bot.services.learning import delivery


def add_commands(sub: Any) -> None:
    post = sub.add_parser("post-reviews", help="send the personal review DMs that are due (safe from cron)")
    post.set_defaults(func=post_reviews)


def post_reviews(args: argparse.Namespace) -> int:
    ctx = context()
    slack_or_exit(ctx)
    report = delivery.post_due(ctx)
    for line in report:
        print(line)
    sent = sum(line.endswith("card(s)") for line in report)
    print(f"{sent} review DM(s) sent; {len(report) - sent} other person-day(s) settled")
    return 0
