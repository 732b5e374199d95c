"""`lab2prod db upgrade|verify|rebuild-totals`: the database's schema and its derived totals."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.runtime import context
from bot.config import Settings
from bot.services.operations import maintenance
from bot.services.scores import totals


def add_commands(sub: Any) -> None:
    db = sub.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="run the migrations to the newest schema").set_defaults(func=upgrade)
    actions.add_parser(
        "verify", help="recount every score total from the answers; exit 1 if any stored total differs"
    ).set_defaults(func=verify)
    actions.add_parser(
        "rebuild-totals", help="recompute every score total from the answers (after verify reports a mismatch)"
    ).set_defaults(func=rebuild)


def upgrade(args: argparse.Namespace) -> int:
    url = Settings.from_env().database_url
    maintenance.upgrade(url)
    print(f"database is at the newest schema: {maintenance.redacted(url)}")
    return 0


def verify(args: argparse.Namespace) -> int:
    checked, mismatches = totals.verify_totals(context())
    for m in mismatches:
        print(f"{m.workspace_id} {m.user_id}: stored {m.stored}, recounted {m.recounted}")
    if mismatches:
        print(
            f"{len(mismatches)} of {checked} people's totals differ from the answers; run: lab2prod db rebuild-totals"
        )
        return 1
    print(f"ok: the totals of {checked} people equal a recount of their answers")
    return 0


def rebuild(args: argparse.Namespace) -> int:
    people = totals.rebuild_totals(context())
    print(f"rebuilt the totals of {people} people from their answers")
    return 0
