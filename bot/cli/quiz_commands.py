"""The daily quiz from a shell: `channels`, `post-quiz`, and `quiz` (a practice question in the terminal)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.blocks.quiz_blocks import LETTERS
from bot.cli.runtime import context, fail, slack_or_exit
from bot.services.learning import insights, weekly
from bot.services.quiz import channels, posting, practice, reveals
from bot.services.quiz.channels import ChannelCheckError
from bot.tutor.schedule_rules import ScheduleError
from content.models import Question

TERMINAL_WORKSPACE = "terminal"  # answers given here count for the local person's mastery, never a Slack board


def add_commands(sub: Any) -> None:
    channel_parser = sub.add_parser("channels", help="which channels get the daily quiz, and when")
    actions = channel_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="schedule the daily quiz in a channel")
    add.add_argument("channel", help="channel id, e.g. C0123ABCD")
    add.add_argument("--time", required=True, help="local post time, HH:MM (24h)")
    add.add_argument("--tz", required=True, help="time zone, Area/City, e.g. Europe/Berlin")
    add.add_argument("--weekdays", default="mon-fri", help="e.g. mon-fri (default), mon-sun, mon,wed,fri")
    add.add_argument("--close-after", default="8h", help="how long answers are taken, e.g. 8h (default), 90m")
    add.add_argument(
        "--weekly-summary",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="post last week's leaderboard on the week's first quiz day (default: on)",
    )
    add.add_argument(
        "--insights",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="post last week's team insights and chart with the weekly summary (default: off)",
    )
    add.set_defaults(func=channels_add)
    actions.add_parser("list", help="list scheduled channels").set_defaults(func=channels_list)
    remove = actions.add_parser("remove", help="stop the daily quiz in a channel")
    remove.add_argument("channel")
    remove.set_defaults(func=channels_remove)

    post = sub.add_parser("post-quiz", help="post today's quiz to every due channel (safe from cron)")
    post.add_argument("--channel", help="only this channel")
    post.set_defaults(func=post_quiz)

    quiz = sub.add_parser("quiz", help="a practice question in the terminal")
    quiz.add_argument("--answer", help="answer without a prompt: a letter (B), letters (A,C), or true/false")
    quiz.add_argument("--question", help="the question id to answer (shown with each question)")
    quiz.set_defaults(func=terminal_quiz)


def channels_list(args: argparse.Namespace) -> int:
    listed = channels.list_channels(context())
    for channel in listed:
        print(channels.describe(channel))
    if not listed:
        print("no quiz channels yet; add one: lab2prod channels add C0123 --time 09:00 --tz Europe/Berlin")
    return 0


def channels_remove(args: argparse.Namespace) -> int:
    if not channels.remove_channel(context(), args.channel):
        return fail(f"{args.channel} has no quiz schedule")
    print(f"removed {args.channel}; its past quizzes and scores are kept")
    return 0


def channels_add(args: argparse.Namespace) -> int:
    ctx = context()
    client = slack_or_exit(ctx)
    try:
        workspace = str(client.auth_test()["team_id"])
        channels.check_bot_is_member(client, args.channel)
    except ChannelCheckError as exc:
        return fail(f"cannot add {args.channel}: {exc}")
    try:
        channel = channels.save_channel(
            ctx, workspace, args.channel, args.time, args.tz, args.weekdays, args.close_after, args.weekly_summary
        )
    except ScheduleError as exc:
        return fail(f"error: {exc}", 2)
    if args.insights is not None:
        insights.set_channel_insights(ctx, args.channel, args.insights)
    print("scheduled " + channels.describe(channel) + ("; weekly insights on" if args.insights else ""))
    return 0


def post_quiz(args: argparse.Namespace) -> int:
    ctx = context()
    slack_or_exit(ctx)
    if args.channel and not channels.list_channels(ctx, args.channel):
        return fail(f"{args.channel} has no quiz schedule; add one with: lab2prod channels add {args.channel} ...")
    report = posting.resolve_unsure(ctx) + posting.post_due(ctx, args.channel)
    for line in report:
        print(line)
    posting.send_summaries(ctx)
    weekly.send_weekly(ctx)
    closed = reveals.close_due(ctx)
    if closed:
        print(f"revealed {closed} closed quiz(zes)")
    return 0


def parse_choice(question: Question, text: str) -> frozenset[int] | None:
    text = text.strip().lower()
    if question.kind == "true_false" and text in ("t", "true", "f", "false"):
        return frozenset({0 if text.startswith("t") else 1})
    letters = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    if not letters or any(len(p) != 1 or p.upper() not in LETTERS[: len(question.options)] for p in letters):
        return None
    return frozenset(LETTERS.index(p.upper()) for p in letters)


def _show(question: Question) -> None:
    print(f"\n[{question.id}, difficulty {question.difficulty}] {question.prompt}")
    for i, option in enumerate(question.options):
        print(f"  {LETTERS[i]}. {option.text}")
    hint = {"single": "one letter", "multi": "all letters that apply, e.g. A,C", "true_false": "true or false"}
    print(f"Answer with {hint[question.kind]}.")


def terminal_quiz(args: argparse.Namespace) -> int:
    ctx = context()
    user = getpass.getuser()
    if args.question and args.question not in ctx.bank.questions_by_id:
        print(f"there is no question {args.question!r}; run  lab2prod quiz  for a new one")
        return 2
    question = (
        ctx.bank.questions_by_id[args.question]
        if args.question
        else practice.practice_question(ctx, TERMINAL_WORKSPACE, user)[0]
    )
    _show(question)
    answer = args.answer
    if answer is None:
        if not sys.stdin.isatty():
            print(f"(to answer: lab2prod quiz --question {question.id} --answer A)")
            return 0
        answer = input("> ")
    chosen = parse_choice(question, answer)
    while chosen is None and sys.stdin.isatty():
        answer = input("Please answer with the letters shown (or true/false): ")
        chosen = parse_choice(question, answer)
    if chosen is None:
        print(f"{answer!r} is not one of the options.")
        return 2
    outcome = practice.answer_practice(ctx, TERMINAL_WORKSPACE, user, question.id, chosen)
    print(f"\n{outcome.text}")
    for i, option in enumerate(question.options):
        mark = "✔" if option.correct else "✘"
        print(f"  {mark} {LETTERS[i]}. {option.text}\n      {option.why}")
    return 0
