"""`lab2prod content suggestions|accept`: what people's clicks say a question is about, and learning it on purpose."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.runtime import context, fail, workspace
from bot.config import Settings
from bot.logs import clean
from bot.services.asking import suggestions
from content.loader import CONTENT_DIR, TOPICS_FILE


def at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--min must be a whole number of people, 1 or more, not {text!r}")
    return int(text)


def add_commands(actions: Any) -> None:
    """Under `content`, beside check, gaps and stats."""
    listing = actions.add_parser(
        "suggestions", help="questions people's clicks put under a topic, each with an id for `content accept`"
    )
    listing.add_argument(
        "--min", type=at_least_one, default=2, metavar="N", help="picked by at least N different people (default 2)"
    )
    listing.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    listing.set_defaults(func=suggestions_command)
    accept = actions.add_parser(
        "accept", help="add suggestions to topics.yaml as phrasings (the next start learns them)"
    )
    accept.add_argument("ids", nargs="+", metavar="ID", help="ids from `lab2prod content suggestions`")
    accept.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    accept.add_argument("--bank", type=Path, metavar="PATH", help="the topics.yaml to edit (default: the bank served)")
    accept.set_defaults(func=accept_command)


def topics_file(given: Path | None) -> Path:
    """--bank, else LAB2PROD_CONTENT's topics.yaml, else the shipped one: the file `serve` reads."""
    if given:
        return given if given.suffix in (".yaml", ".yml") else given / TOPICS_FILE
    folder = Settings.from_env().content_dir
    return (Path(folder) if folder else CONTENT_DIR) / TOPICS_FILE


def suggestions_command(args: argparse.Namespace) -> int:
    ctx = context()
    ws = workspace(ctx, args.workspace)
    found = suggestions.list_suggestions(ctx, ws, args.min)
    if not found:
        print(f"no question has been put under a topic by {args.min} or more people in {ws} yet")
        return 0
    print(f"Questions people put under a topic in {ws} (accept with: lab2prod content accept ID ...):")
    width = max(len(s.topic) for s in found)
    for s in found:
        who = "person" if s.people == 1 else "people"
        print(f"  {s.id}  {s.people:3} {who:6}  {s.topic:{width}}  {clean(s.question)}")
    return 0


def accept_command(args: argparse.Namespace) -> int:
    path = topics_file(args.bank)
    if not path.is_file():
        return fail(f"no topics file at {path}")
    ctx = context()
    ws = workspace(ctx, args.workspace)
    code = 0
    results = suggestions.accept(ctx, ws, args.ids, path)
    for result in results:
        s = result.suggestion
        if s is None:
            print(f"{result.id}: {result.reason}")
            code = 1
        elif result.status == "added":
            print(f"{result.id}: added to {s.topic!r}: {clean(s.question)}")
        elif result.status == "present":
            print(f"{result.id}: {clean(s.question)!r} is {result.reason}; nothing to add, no longer listed")
        else:
            print(f"{result.id}: refused, {result.reason}")
            code = 1
    if any(r.status == "added" for r in results):
        print(f"written to {path}; the tutor learns them at its next start")
    return code
