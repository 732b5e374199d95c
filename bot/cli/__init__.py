"""The `lab2prod` command line: the terminal tutor, the server, and the admin commands (one module per area)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from bot import logs
from bot.cli import (
    content_commands,
    db_commands,
    learning_commands,
    privacy_commands,
    quiz_commands,
    reading_commands,
    score_commands,
)


def _serve(args: argparse.Namespace) -> int:
    from bot.web.runner import serve  # the web stack loads only for `serve`: the other commands start faster

    return serve(http=args.http, host=args.host, port=args.port)


def _add_serve(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000), help="default $PORT or 3000")
    serve.set_defaults(func=_serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lab2prod", description="A Slack tutor on how ML in research differs from ML in production."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in (
        reading_commands,
        content_commands,
        db_commands,
        quiz_commands,
        score_commands,
        privacy_commands,
        learning_commands,
    ):
        area.add_commands(sub)
    _add_serve(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
