"""Leaderboards and the App Home on a big SQLite database, beside baselines measured in the same run.

Fills a database with --answers answers (default 1,000,000) from --people people (5,000) in --teams teams
(200) over a year of daily posts in 10 channels, every person's display name cached. Then times, each
--repeat times: the week, month and all-time boards of people and teams and the App Home, exactly as the
app builds them (SQL aggregates, the points rule, ranks, streaks and cached names of the rows shown).

Baselines from the same run: `SELECT count(*) FROM answers`, and the all-time board the naive way, a
GROUP BY over every answer (what the running totals save).
Cold: the first call on a new engine (SQLite's page cache empty; the OS file cache is not dropped).
Warm: the following calls. Reported as median and p99 of every run, never the best one.
Left out: Slack. Names of people not seen for a day cost one users.info each (bench.answers measures
Slack's latency); rendering Block Kit is included for the App Home only.
Run: python -m bench.leaderboard [--answers N] [--people P] [--teams T] [--repeat R] [--db PATH]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.stats import Timing, time_ms
from bot.blocks.score_blocks import home_view
from bot.services.runtime.context import build_context
from bot.services.scores import leaderboards, stats
from storage.db import reading, transaction, upgrade
from storage.repos import totals

CHANNELS = 10
DAYS = 365
NOW = datetime(2026, 11, 25, 12, 0)


def fill(path: Path, answers: int, people: int, teams: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    questions = [(f"q{i}", f"topic{i % 18}", 1 + i % 3) for i in range(96)]
    users = [f"U{i:05d}" for i in range(people)]
    per_person = answers // people
    start_day = (NOW - timedelta(days=DAYS)).date()
    posts: list[tuple] = []
    post_ids: dict[tuple[int, int], int] = {}
    for c in range(CHANNELS):
        for d in range(DAYS):
            day = start_day + timedelta(days=d)
            post_ids[c, d] = len(posts) + 1
            posted = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
            closed = posted + timedelta(hours=8)
            posts.append(
                (
                    len(posts) + 1,
                    "T1",
                    f"C{c}",
                    day.isoformat(),
                    questions[(c + d) % 96][0],
                    posted,
                    closed,
                    f"{d}.{c}",
                    closed,
                    0,
                )
            )
    con.executemany(
        "INSERT INTO quiz_posts (id, workspace_id, channel_id, local_date, question_id, claimed_at, closes_at,"
        " message_ts, closed_at, shown_count) VALUES (?,?,?,?,?,?,?,?,?,?)",
        posts,
    )
    by_post: dict[int, list[str]] = {}
    for i, user in enumerate(users):
        channel = i % CHANNELS
        for d in rng.sample(range(DAYS), min(per_person, DAYS)):
            by_post.setdefault(post_ids[channel, d], []).append(user)
    rows = []
    for post_id, who in by_post.items():
        _, _, channel, day, qid, posted, *_ = posts[post_id - 1]
        difficulty = 1 + int(qid[1:]) % 3
        rng.shuffle(who)
        order = 0
        for k, user in enumerate(who):
            correct = rng.random() < 0.6
            order += correct
            rows.append(
                (
                    "T1",
                    user,
                    post_id,
                    channel,
                    qid,
                    f"topic{int(qid[1:]) % 18}",
                    difficulty,
                    "0",
                    1.0 if correct else 0.0,
                    correct,
                    order if correct and order <= 3 else None,
                    False,
                    posted + timedelta(seconds=30 * k + rng.randint(0, 29)),
                )
            )
    con.executemany(
        "INSERT INTO answers (workspace_id, user_id, post_id, channel_id, question_id, topic, difficulty, choice,"
        " credit, correct, correct_order, practice, answered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.executemany(
        "INSERT INTO teams (id, workspace_id, name, name_key, created_at) VALUES (?,?,?,?,?)",
        [(t + 1, "T1", f"Team {t}", f"team {t}", NOW) for t in range(teams)],
    )
    con.executemany(
        "INSERT INTO team_members (workspace_id, user_id, team_pk, joined_at) VALUES (?,?,?,?)",
        [("T1", u, 1 + i % teams, NOW) for i, u in enumerate(users)],
    )
    con.executemany(
        "INSERT INTO user_names (workspace_id, user_id, display_name, fetched_at) VALUES (?,?,?,?)",
        [("T1", u, f"Person {u}", NOW) for u in users],
    )
    con.execute(
        "INSERT INTO quiz_channels (workspace_id, channel_id, post_time, tz, weekdays, close_after_minutes,"
        " weekly_summary, created_at) VALUES ('T1','C0','09:00','Europe/Berlin','mon,tue,wed,thu,fri,sat,sun',480,1,?)",
        (NOW,),
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return len(rows)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, help="keep the database here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "board.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        upgrade(url)
        t = time.perf_counter()
        stored = fill(path, args.answers, args.people, args.teams)
        print(
            f"filled {stored:,} answers from {args.people:,} people in {args.teams} teams in "
            f"{time.perf_counter() - t:.1f} s"
        )
        with transaction(build_context(url, clock=lambda: NOW).sessions) as session:
            totals.rebuild(session)  # the bulk load bypassed the per-answer upkeep
        someone = f"U{args.people // 2:05d}"
        result = measure(url, someone, args.repeat)
    return result


def views(url: str, someone: str) -> dict[str, Callable[[], object]]:
    """Each view on a context of its own, so its first call is cold."""
    ctx = build_context(url, clock=lambda: NOW)
    titles = {tid: t.title for tid, t in ctx.bank.topics.items()}

    def sql(statement: str) -> Callable[[], object]:
        def run() -> object:
            with reading(ctx.sessions) as session:
                return session.execute(text(statement)).all()

        return run

    return {
        "SELECT count(*)": sql("SELECT count(*) FROM answers"),
        "naive all-time": sql(
            "SELECT user_id, sum(difficulty * credit), count(*) FROM answers WHERE workspace_id = 'T1'"
            " AND practice = 0 GROUP BY user_id"
        ),
        "people week": lambda: leaderboards.leaderboard(ctx, None, "T1", "week", asker=someone),
        "people month": lambda: leaderboards.leaderboard(ctx, None, "T1", "month", asker=someone),
        "people all": lambda: leaderboards.leaderboard(ctx, None, "T1", "all", asker=someone),
        "teams week": lambda: leaderboards.leaderboard(ctx, None, "T1", "week", teams=True, asker=someone),
        "teams month": lambda: leaderboards.leaderboard(ctx, None, "T1", "month", teams=True, asker=someone),
        "teams all": lambda: leaderboards.leaderboard(ctx, None, "T1", "all", teams=True, asker=someone),
        "app home": lambda: home_view(stats.personal_stats(ctx, "T1", someone), titles),
    }


def measure(url: str, someone: str, repeat: int) -> dict[str, float]:
    result: dict[str, float] = {}
    print(f"{'view':16} {'cold':>10}   warm ({repeat} runs)")
    cold_views, warm_views = views(url, someone), views(url, someone)
    for name in warm_views:
        warm_views[name]()  # the warm set's first call happens before timing
    base: Timing | None = None
    for name in warm_views:
        cold = time_ms(cold_views[name], 1).max_ms
        warm = time_ms(warm_views[name], repeat)
        base = base or warm
        result[name] = warm.median_ms
        result[f"{name} p99"] = warm.p99_ms
        result[f"{name} cold"] = cold
        ratio = f"{warm.median_ms / base.median_ms:6.1f}x count(*)"
        print(f"  {name:16} {cold:8.1f} ms   {warm.line()}   {ratio}")
    result["count_ms"] = result["SELECT count(*)"]
    return result


if __name__ == "__main__":
    main()
