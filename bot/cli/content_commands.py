"""`lab2prod content check|gaps|stats|suggestions|accept`: for the authors of the teaching material."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli import content_stats, suggestion_commands
from bot.cli.runtime import context
from bot.logs import clean
from bot.services.operations import maintenance
from content.cues import cue_report
from content.loader import ContentError, bank_paths, load_bank, summary
from content.review import load_source_absolutes, review


def add_commands(sub: Any) -> None:
    content = sub.add_parser("content", help="check the teaching material or see what it lacks")
    actions = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help="validate topics.yaml and quiz.yaml (exit 1 on errors; wording warnings do not fail)"
    )
    check.add_argument(
        "path", nargs="?", type=Path, help="a content folder or one YAML file (default: the shipped bank)"
    )
    check.set_defaults(func=check_command)
    actions.add_parser("gaps", help="questions the tutor could not answer, least helpful topics").set_defaults(
        func=gaps_command
    )
    content_stats.add_stats_command(actions)
    suggestion_commands.add_commands(actions)


def check_command(args: argparse.Namespace) -> int:
    try:
        bank = load_bank(args.path)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 1
    # An author's aid: wording a careful reviewer would argue with. Warnings never change the exit code.
    _, quiz_path = bank_paths(args.path)
    warnings = review(quiz_path, bank.questions, load_source_absolutes()) if quiz_path else []
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(
        f"wording review: {len(warnings)} warning(s)"
        + (" (worth a look; they do not fail the check)" if warnings else "")
    )
    # Can the quiz be passed on wording alone? A cue-only solver, per kind, against chance.
    cues = cue_report(bank.questions)
    for line in cues.lines():
        print(line)
    leaks = cues.problems()
    if leaks:
        for problem in leaks:
            print(problem, file=sys.stderr)
        print(f"{len(leaks)} kind(s) of question can be answered from wording alone", file=sys.stderr)
        return 1
    print(f"ok: {summary(bank)}")
    return 0


def gaps_command(args: argparse.Namespace) -> int:
    gaps, feedback = maintenance.content_gaps(context())
    print("Questions the tutor could not answer confidently (most asked first):")
    for gap in gaps:
        print(f"  {gap.times:4}x  {clean(gap.text[:100])}  (best confidence {gap.best_confidence:.2f})")
    if not gaps:
        print("  none yet")
    print("\nLeast helpful topics (by 👍/👎 votes):")
    for fb in feedback:
        print(f"  {fb.topic:18} {fb.helpful} helpful, {fb.unhelpful} not helpful")
    if not feedback:
        print("  no unhelpful votes yet")
    return 0
