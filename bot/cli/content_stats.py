"""`lab2prod content stats [--csv] [--workspace T]`: how each posted quiz question behaves (item analysis)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from bot.blocks.quiz_blocks import LETTERS
from bot.cli.runtime import context, workspace
from bot.logs import clean
from bot.services.people.export import csv_cell
from bot.services.quiz import item_stats
from bot.tutor import item_analysis as ia
from bot.tutor.item_analysis import ItemStats

CSV_HEADER = [
    "question_id",
    "topic",
    "kind",
    "declared_difficulty",
    "observed_difficulty",
    "posted",
    "answers",
    "right",
    "share_right",
    "mean_credit",
    "discrimination",
    "discrimination_n",
    *(f"picked_{letter}" for letter in LETTERS),
    "flags",
]
LEGEND = (
    f"{ia.TOO_EASY}: more than {ia.TOO_EASY_ABOVE:.0%} right",
    f"{ia.TOO_HARD}: less than {ia.TOO_HARD_BELOW:.0%} right",
    f"{ia.NEGATIVE_DISCRIMINATION}: people who do well on the other questions get this one wrong more often",
    f"{ia.UNPICKED_OPTION}: an option nobody picked (from {ia.UNPICKED_FROM_ANSWERS} answers on)",
    f"{ia.DIFFICULTY_MISMATCH}: declared and observed difficulty {ia.MISMATCH_LEVELS} levels apart",
)


def add_stats_command(actions: Any) -> None:
    stats = actions.add_parser("stats", help="item analysis of the posted quiz questions: flags for the authors")
    stats.add_argument("--csv", action="store_true", help="CSV on stdout, for spreadsheets")
    stats.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    stats.set_defaults(func=stats_command)


def stats_command(args: argparse.Namespace) -> int:
    ctx = context()
    workspace_id = workspace(ctx, args.workspace)
    items = item_stats.item_report(ctx, workspace_id)
    if args.csv:
        sys.stdout.write(render_csv(items))
    elif not items:
        print(f"No daily quiz has been posted in workspace {clean(workspace_id)} yet: nothing to analyse.")
    else:
        print(render_table(items, workspace_id))
    return 0


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def option_shares(item: ItemStats) -> str:
    """'A 12% B 61% C 20% D 7%': the share of answers that picked each option."""
    return " ".join(f"{LETTERS[i]} {share:.0%}" for i, share in enumerate(item.pick_shares[: len(LETTERS)]))


def render_table(items: list[ItemStats], workspace_id: str) -> str:
    answers = sum(i.answers for i in items)
    flagged = sum(1 for i in items if i.flags)
    width = max(8, *(len(i.question_id) for i in items))
    topic_width = max(5, *(len(i.spec.topic) for i in items))
    lines = [
        f"Quiz statistics for workspace {clean(workspace_id)}: {len(items)} question(s) posted, {answers} daily "
        f"answer(s), {flagged} flagged (practice answers are not counted).",
        "",
        f"{'question':{width}}  {'topic':{topic_width}}  {'kind':10}  decl  obs  posted  answers  right   disc  "
        f"{'options':27}  flags",
    ]
    for i in items:
        disc = "-" if i.discrimination is None else f"{i.discrimination:+.2f}"
        lines.append(
            f"{clean(i.question_id):{width}}  {clean(i.spec.topic):{topic_width}}  {clean(i.spec.kind):10}  "
            f"{i.spec.difficulty or '-':>4}  {i.observed or '-':>3}  {i.posted:>6}  {i.answers:>7}  "
            f"{_percent(i.share_right):>5}  {disc:>5}  {option_shares(i):27}  {', '.join(i.flags)}".rstrip()
        )
    lines += [
        "",
        f"decl/obs: declared and observed difficulty (1 easy, 3 hard; observed: {ia.EASY_FROM:.0%}+ right is 1, "
        f"under {ia.HARD_BELOW:.0%} is 3; shown from {ia.MIN_ANSWERS_TO_JUDGE} answers).",
        "disc: corrected point-biserial between getting this question right and the score on the other questions "
        f"(from {ia.MIN_ANSWERS_TO_JUDGE} answers).",
        *LEGEND,
        f"The daily picker uses the observed difficulty once a question has {ia.PICKER_MIN_ANSWERS} daily answers.",
    ]
    return "\n".join(lines)


def render_csv(items: list[ItemStats]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for i in items:
        picks = [str(n) for n in i.picks[: len(LETTERS)]]
        writer.writerow(
            [
                csv_cell(i.question_id),
                csv_cell(i.spec.topic),
                csv_cell(i.spec.kind),
                i.spec.difficulty or "",
                i.observed or "",
                i.posted,
                i.answers,
                i.right,
                _number(i.share_right),
                _number(i.mean_credit),
                _number(i.discrimination),
                i.discrimination_n,
                *picks,
                *([""] * (len(LETTERS) - len(picks))),
                csv_cell(";".join(i.flags)),
            ]
        )
    return out.getvalue()
