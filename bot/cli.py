"""The `lab2prod` command line: the terminal tutor, the server, and the admin commands."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.context import Context
from bot.tutor.matcher import Band, Match, build_matcher
from content.loader import Bank, ContentError, load_bank, summary

log = logging.getLogger("lab2prod")
WIDTH = 88


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def render_match(bank: Bank, match: Match) -> str:
    if match.band is Band.ANSWER and match.topic:
        return render_topic(bank, match.topic)
    if match.band is Band.DID_YOU_MEAN:
        options = ", ".join(f"{bank.topics[s].title} ({s})" for s in match.suggestions)
        return f'Not sure what you mean. Did you mean: {options}?\nTry: lab2prod ask "{match.suggestions[0]}"'
    return (
        "I don't know that one: I only cover how ML in research differs from ML in production.\n"
        "Topics: " + ", ".join(bank.topics) + "\n(In Slack this question is logged so the authors can fill the gap.)"
    )


def render_topic(bank: Bank, topic_id: str) -> str:
    t = bank.topics[topic_id]
    lines = [
        f"{t.title}",
        "=" * len(t.title),
        _wrap(f"In research:   {t.answer.research}"),
        _wrap(f"In production: {t.answer.production}"),
        "",
        *(_wrap(f"- {p}") for p in t.key_points),
        "",
        _wrap(f"Example: {t.example}"),
    ]
    if t.related:
        lines.append("Related: " + ", ".join(t.related))
    return "\n".join(lines)


def _load_bank() -> Bank:
    try:
        return load_bank(Settings.from_env().content_dir)
    except ContentError as exc:
        raise SystemExit("content errors:\n" + "\n".join(exc.problems)) from exc


def cmd_ask(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    bank = _load_bank()
    matcher = build_matcher(bank.topics)
    questions = [line.rstrip("\n") for line in sys.stdin] if args.question == "-" else [args.question]
    for question in questions:  # a blank line still gets its line of output, so answers line up with input
        match = matcher.match(question)
        if args.json:
            out.write(json.dumps(match.as_json(), ensure_ascii=False) + "\n")
        else:
            out.write(render_match(bank, match) + "\n\n")
    return 0


def cmd_topics(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    for topic in _load_bank().topics.values():
        out.write(f"{topic.id:18} {topic.title}\n")
    return 0


def cmd_content(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    if args.action == "check":
        try:
            bank = load_bank(args.path)
        except ContentError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
            return 1
        out.write(f"ok: {summary(bank)}\n")
        return 0
    return _gaps(out)


def _gaps(out: TextIO) -> int:
    from storage.db import make_engine, make_sessionmaker, reading, upgrade
    from storage.repos import questions

    upgrade()
    with reading(make_sessionmaker(make_engine())) as session:
        gaps, feedback = questions.gaps(session), questions.least_helpful(session)
    out.write("Questions the tutor could not answer confidently (most asked first):\n")
    for gap in gaps:
        out.write(f"  {gap.times:4}x  {gap.text[:100]}  (best confidence {gap.best_confidence:.2f})\n")
    if not gaps:
        out.write("  none yet\n")
    out.write("\nLeast helpful topics (by 👍/👎 votes):\n")
    for fb in feedback:
        out.write(f"  {fb.topic:18} {fb.helpful} helpful, {fb.unhelpful} not helpful\n")
    if not feedback:
        out.write("  no unhelpful votes yet\n")
    return 0


def cmd_db(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from storage.db import database_url, upgrade

    upgrade()
    out.write(f"database is at the newest schema: {_redact(database_url())}\n")
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_serve(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from bot.serve import serve

    return serve(http=args.http, host=args.host, port=args.port)


def _slack_client_or_exit() -> WebClient:
    client = _optional_client()
    if client is None:
        raise SystemExit("set SLACK_BOT_TOKEN (and SLACK_API_URL for a test server) to talk to Slack")
    return client


def _context() -> Context:
    from bot.context import build_context
    from storage.db import database_url, upgrade

    upgrade()
    try:
        return build_context(database_url(), Settings.from_env().content_dir)
    except ContentError as exc:
        raise SystemExit("content errors:\n" + "\n".join(exc.problems)) from exc


def cmd_channels(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from bot import quiz_service
    from bot.tutor.schedule import ScheduleError
    from storage.db import reading, transaction
    from storage.repos import quiz as repo

    ctx = _context()
    if args.action == "list":
        with reading(ctx.sessions) as session:
            channels = repo.find_channels(session)
        for channel in channels:
            out.write(quiz_service.describe(channel) + "\n")
        if not channels:
            out.write("no quiz channels yet; add one: lab2prod channels add C0123 --time 09:00 --tz Europe/Berlin\n")
        return 0
    if args.action == "remove":
        with transaction(ctx.sessions) as session:
            removed = repo.remove_channel(session, args.channel)
        if not removed:
            print(f"{args.channel} has no quiz schedule", file=sys.stderr)
            return 1
        out.write(f"removed {args.channel}; its past quizzes and scores are kept\n")
        return 0
    client = _slack_client_or_exit()
    try:
        workspace = client.auth_test()["team_id"]
        info = client.conversations_info(channel=args.channel)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        hint = " (is the channel id right, and is the bot invited?)" if error == "channel_not_found" else ""
        print(f"cannot add {args.channel}: Slack says {error}{hint}", file=sys.stderr)
        return 1
    if not info.get("is_member"):
        print(
            f"cannot add {args.channel}: the bot is not in it yet; run /invite @lab2prod there first", file=sys.stderr
        )
        return 1
    try:
        channel = quiz_service.save_channel(
            ctx, workspace, args.channel, args.time, args.tz, args.weekdays, args.close_after, args.weekly_summary
        )
    except ScheduleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.write("scheduled " + quiz_service.describe(channel) + "\n")
    return 0


def cmd_post_quiz(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from bot import quiz_service

    ctx, client = _context(), _slack_client_or_exit()
    report = quiz_service.post_due(ctx, client, args.channel)
    if args.channel and not report:
        print(
            f"{args.channel} has no quiz schedule; add one with: lab2prod channels add {args.channel} ...",
            file=sys.stderr,
        )
        return 1
    for line in report:
        out.write(line + "\n")
    closed = quiz_service.close_due(ctx, client)
    if closed:
        out.write(f"revealed {closed} closed quiz(zes)\n")
    return 0


def cmd_quiz(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from bot.terminal_quiz import run_practice

    return run_practice(_context(), args.answer, args.question, out)


def _optional_client() -> WebClient | None:
    from bot.app import make_client

    settings = Settings.from_env()
    return make_client(settings) if settings.bot_token else None


def _workspace(ctx: Context, client: WebClient | None, given: str | None) -> str:
    """The workspace to report on: --workspace, else the bot token's own, else the only one in the database."""
    if given:
        return given
    if client is not None:
        try:
            return client.auth_test()["team_id"]
        except SlackApiError as exc:
            raise SystemExit(f"Slack refused the token: {exc.response.get('error')}") from exc
    from storage.db import reading
    from storage.repos import quiz as repo

    with reading(ctx.sessions) as session:
        workspaces = {c.workspace_id for c in repo.find_channels(session)}
    if len(workspaces) == 1:
        return workspaces.pop()
    raise SystemExit("name the workspace with --workspace T0123 (or set SLACK_BOT_TOKEN)")


def cmd_leaderboard(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from bot import scores_service

    ctx, client = _context(), _optional_client()
    workspace = _workspace(ctx, client, args.workspace)
    board = scores_service.leaderboard(
        ctx, client, workspace, args.period, args.teams, args.channel, only_channel=bool(args.channel)
    )
    title = f"{'Teams' if board.teams else 'People'}, {args.period}" + (f", {args.channel}" if args.channel else "")
    out.write(f"{title} (periods in {board.tz})\n")
    extra = "active" if board.teams else "streak"
    out.write(f"{'rank':>4}  {'name':24} {'points':>8} {'accuracy':>8} {extra:>7}\n")
    for row in board.rows:
        value = row.active if board.teams else row.streak
        out.write(f"{row.rank:>4}  {row.name[:24]:24} {row.points:>8.0f} {row.accuracy:>8.0%} {value:>7}\n")
    if not board.rows:
        out.write("  no scored answers in this period\n")
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from bot import scores_service

    ctx, client = _context(), _optional_client()
    out.write(scores_service.export_csv(ctx, client, _workspace(ctx, client, args.workspace), args.period))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lab2prod", description="A Slack tutor on how ML in research differs from ML in production."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer a question in the terminal")
    ask.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(func=cmd_ask)

    sub.add_parser("topics", help="list the topics the tutor can explain").set_defaults(func=cmd_topics)

    content = sub.add_parser("content", help="check the teaching material or see what it lacks")
    content_sub = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate topics.yaml and quiz.yaml (exit 1 on errors)")
    check.add_argument(
        "path", nargs="?", type=Path, help="a content folder or one YAML file (default: the shipped bank)"
    )
    content_sub.add_parser("gaps", help="questions the tutor could not answer, least helpful topics")
    content.set_defaults(func=cmd_content)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="run the migrations to the newest schema")
    db.set_defaults(func=cmd_db)

    channels = sub.add_parser("channels", help="which channels get the daily quiz, and when")
    channels_sub = channels.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = channels_sub.add_parser("add", help="schedule the daily quiz in a channel")
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
    channels_sub.add_parser("list", help="list scheduled channels")
    remove = channels_sub.add_parser("remove", help="stop the daily quiz in a channel")
    remove.add_argument("channel")
    channels.set_defaults(func=cmd_channels)

    post = sub.add_parser("post-quiz", help="post today's quiz to every due channel (safe from cron)")
    post.add_argument("--channel", help="only this channel")
    post.set_defaults(func=cmd_post_quiz)

    quiz = sub.add_parser("quiz", help="a practice question in the terminal")
    quiz.add_argument("--answer", help="answer without a prompt: a letter (B), letters (A,C), or true/false")
    quiz.add_argument("--question", help="the question id to answer (shown with each question)")
    quiz.set_defaults(func=cmd_quiz)

    board = sub.add_parser("leaderboard", help="top 10 people or teams")
    board.add_argument("--period", choices=("week", "month", "all"), default="week")
    board.add_argument("--teams", action="store_true", help="rank teams instead of people")
    board.add_argument("--channel", help="only answers in this quiz channel (weeks in its time zone)")
    board.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    board.set_defaults(func=cmd_leaderboard)

    export = sub.add_parser("export", help="export data")
    export_sub = export.add_subparsers(dest="what", required=True, metavar="WHAT")
    export_scores = export_sub.add_parser("scores", help="person, team, points, answers, accuracy, streak")
    export_scores.add_argument("--csv", action="store_true", required=True, help="CSV on stdout (the only format)")
    export_scores.add_argument("--period", choices=("week", "month", "all"), default="all")
    export_scores.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    export.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000), help="default $PORT or 3000")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
