"""`lab2prod leaderboard` and `lab2prod export scores --csv`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.privacy_commands import add_export_person
from bot.cli.runtime import context, workspace
from bot.cli.text_output import render_board
from bot.services.people import export
from bot.services.scores import leaderboards

PERIODS = ("week", "month", "all")


def add_commands(sub: Any) -> None:
    board = sub.add_parser("leaderboard", help="top 10 people or teams")
    board.add_argument("--period", choices=PERIODS, default="week")
    board.add_argument("--teams", action="store_true", help="rank teams instead of people")
    board.add_argument("--channel", help="only answers in this quiz channel (weeks in its time zone)")
    board.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    board.set_defaults(func=leaderboard_command)

    exporter = sub.add_parser("export", help="export data")
    what = exporter.add_subparsers(dest="what", required=True, metavar="WHAT")
    scores = what.add_parser("scores", help="person, team, points, answers, accuracy, streak")
    scores.add_argument("--csv", action="store_true", required=True, help="CSV on stdout (the only format)")
    scores.add_argument("--period", choices=PERIODS, default="all")
    scores.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    scores.set_defaults(func=export_scores)
    add_export_person(what)


def leaderboard_command(args: argparse.Namespace) -> int:
    ctx = context()
    board = leaderboards.leaderboard(
        ctx,
        ctx.slack.default,
        workspace(ctx, args.workspace),
        args.period,
        args.teams,
        args.channel,
        only_channel=bool(args.channel),
    )
    title = f"{'Teams' if board.teams else 'People'}, {args.period}" + (f", {args.channel}" if args.channel else "")
    print(render_board(board, title))
    return 0


def export_scores(args: argparse.Namespace) -> int:
    ctx = context()
    sys.stdout.write(export.export_csv(ctx, ctx.slack.default, workspace(ctx, args.workspace), args.period))
    return 0
