"""`lab2prod forget-user`, `lab2prod export person` and `lab2prod purge`: privacy requests and retention."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from bot.cli.runtime import context, fail, workspace
from bot.services.people import privacy

USER_ID = re.compile(r"[UW][A-Z0-9]+")  # Slack user ids: U…, or W… on Enterprise Grid


def user_id(text: str) -> str:
    if not USER_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Slack user id (like U0123ABCD)")
    return text


def days(text: str) -> int:
    if not text.isdigit():  # digits only: no sign, no fraction, no blank
        raise argparse.ArgumentTypeError(f"DAYS must be a non-negative integer, not {text!r}")
    return int(text)


def add_commands(sub: Any) -> None:
    forget = sub.add_parser(
        "forget-user", help="delete a person's answers, votes, questions, name and team membership; recount totals"
    )
    forget.add_argument("user", type=user_id, help="Slack user id, e.g. U0123ABCD")
    forget.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    forget.add_argument("--yes", action="store_true", help="no confirmation prompt (needed when not at a terminal)")
    forget.add_argument("--dry-run", action="store_true", help="only show what would be removed")
    forget.set_defaults(func=forget_user)

    purge = sub.add_parser("purge", help="delete every row of workspaces that uninstalled the app (run from cron)")
    purge.add_argument(
        "--uninstalled-before",
        metavar="DAYS",
        type=days,
        required=True,
        help="purge workspaces uninstalled more than DAYS days ago (we advise 30)",
    )
    purge.add_argument("--dry-run", action="store_true", help="only show what would be removed")
    purge.set_defaults(func=purge_workspaces)


def add_export_person(what: Any) -> None:
    """`export person`, under the `export` command that `score_commands` defines."""
    person = what.add_parser("person", help="everything stored about one person, as JSON")
    person.add_argument("user", type=user_id, help="Slack user id, e.g. U0123ABCD")
    person.add_argument("--workspace", help="Slack workspace id (default: the bot token's)")
    person.set_defaults(func=export_person)


def _table_lines(removed: dict[str, int], verb: str) -> list[str]:
    width = max(len(name) for name in removed)
    return [f"  {name:{width}}  {count:>6} {verb}" for name, count in removed.items()]


def _confirmed(prompt: str) -> bool:
    try:
        return input(f"{prompt} Type yes to go on: ").strip().lower() == "yes"
    except EOFError:
        return False


def _totals_line(checked: int, mismatches: list[Any]) -> tuple[str, int]:
    if mismatches:
        found = ", ".join(f"{m.workspace_id} {m.user_id}" for m in mismatches)
        return (
            f"totals differ from a recount for {len(mismatches)} of {checked} people ({found}): see lab2prod db verify",
            1,
        )
    return f"totals: ok, the totals of {checked} people equal a recount of their answers", 0


def forget_user(args: argparse.Namespace) -> int:
    ctx = context()
    ws = workspace(ctx, args.workspace)
    preview = privacy.forget_user(ctx, ws, args.user, dry_run=True)
    if not preview.found:
        elsewhere = f" (rows with this id are in: {', '.join(preview.elsewhere)})" if preview.elsewhere else ""
        return fail(f"nothing is stored about {args.user} in workspace {ws}{elsewhere}")
    if args.dry_run:
        print(f"{args.user} in {ws}: a forget-user would remove")
        print("\n".join(_table_lines(preview.removed, "rows")))
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            return fail("forget-user deletes data for good: add --yes to confirm (stdin is not a terminal)", 2)
        print(f"{args.user} in {ws}: this removes for good")
        print("\n".join(_table_lines(preview.removed, "rows")))
        if not _confirmed("Nothing of this can be brought back."):
            return fail("nothing was removed")
    done = privacy.forget_user(ctx, ws, args.user)
    print(f"forgot {args.user} in {ws}:")
    print("\n".join(_table_lines(done.removed, "removed")))
    if done.removed.get("processed_events"):
        print("  (processed_events: their unhandled events are marked handled and their payloads dropped)")
    line, code = _totals_line(done.checked, done.mismatches)
    print(line)
    if done.elsewhere:
        print(f"note: rows with this user id remain in other workspaces: {', '.join(done.elsewhere)}")
        print(f"      (lab2prod forget-user {args.user} --workspace {done.elsewhere[0]} …)")
    return code


def export_person(args: argparse.Namespace) -> int:
    ctx = context()
    ws = workspace(ctx, args.workspace)
    document = privacy.export_person(ctx, ws, args.user)
    if document is None:
        others = privacy.other_workspaces(ctx, ws, args.user)
        elsewhere = f" (rows with this id are in: {', '.join(others)})" if others else ""
        return fail(f"nothing is stored about {args.user} in workspace {ws}{elsewhere}")
    sys.stdout.write(privacy.export_json(document))
    return 0


def purge_workspaces(args: argparse.Namespace) -> int:
    ctx = context()
    done = privacy.purge_uninstalled(ctx, args.uninstalled_before, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    when = done.cutoff.replace(microsecond=0).isoformat(sep=" ")
    if not done.workspaces:
        print(f"no workspace was uninstalled before {when} UTC; nothing to purge")
    for purged in done.workspaces:
        total = sum(purged.removed.values())
        print(f"{purged.workspace_id} (uninstalled {purged.uninstalled_at:%Y-%m-%d %H:%M} UTC): {verb} {total} rows")
        print("\n".join(_table_lines(purged.removed, "rows")))
    line, code = _totals_line(done.checked, done.mismatches)
    print(line)
    return code
