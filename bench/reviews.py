"""`post-reviews`' due-card selection for many opted-in people, and what a review card adds to a click's write.

Fills a database (SQLite file, or PostgreSQL with --postgres) straight through SQL with --people opted-in
people (default 10,000, review time 00:00 in ten time zones: everyone is due in the same tick, the worst
case) and --answers answers (default 1,000,000, practice and daily, over the bank's questions), plus the
review card each person has per question they answered (about 720,000), due dates spread from 30 days ago
to 60 days ahead. Then times `delivery.pick_due`, exactly what each tick of post-reviews runs before it
claims anyone's day: read everyone who opted in and the days already claimed, then each due person's
oldest 3 due cards (an index range scan per person). Cold: the first call on a new engine; warm: --repeat
more. Baselines from the same run: `SELECT count(*)` over the cards and over the answers.

Second part, the click: --writes practice answers stored one transaction each, with the answer alone
(the old write) and with its card moved too (`practice.store`: a key read, an FSRS step, an upsert),
interleaved, on the same big database. Median and p99 per write, and the ratio.

Left out: Slack (conversations.open and chat.postMessage per DM; bench.answers measures Slack's latency),
the claim's INSERT per person (one short write each), rendering the DM's blocks, and the HTTP front.
Run: python -m bench.reviews [--people N] [--answers N] [--repeat R] [--writes W] [--postgres]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bench.stats import Timing, summarize_ms, time_ms
from bot.services.learning import delivery
from bot.services.quiz import practice
from bot.services.quiz.answering import graded
from bot.services.runtime.context import Context, build_context
from storage.db import reading, transaction, upgrade
from storage.models import Answer, ReviewCard, ReviewSetting
from storage.repos import answers

NOW = datetime(2026, 11, 25, 12, 0)
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Lagos",
)
CHUNK = 20_000


def fill(ctx: Context, people: int, answer_count: int, seed: int = 11) -> tuple[int, int]:
    """(answers, cards) written straight into the database."""
    rng = random.Random(seed)
    questions = [(q.id, q.topic, q.difficulty) for q in ctx.bank.questions]
    per_person = max(1, answer_count // people)
    rows, cards, total_cards = [], [], 0
    with transaction(ctx.sessions) as session:
        session.execute(
            insert(ReviewSetting),
            [
                {
                    "workspace_id": "T1",
                    "user_id": f"U{i:05d}",
                    "enabled": True,
                    "review_time": "00:00",
                    "tz": ZONES[i % len(ZONES)],
                    "changed_at": NOW,
                    "stopped_reason": None,
                }
                for i in range(people)
            ],
        )
    for i in range(people):
        user = f"U{i:05d}"
        last: dict[str, datetime] = {}
        for k in range(per_person):
            qid, topic, difficulty = rng.choice(questions)
            at = NOW - timedelta(days=120) + timedelta(hours=k * 24 + rng.random() * 8)
            correct = rng.random() < 0.6
            rows.append(
                {
                    "workspace_id": "T1",
                    "user_id": user,
                    "post_id": None,
                    "channel_id": None,
                    "question_id": qid,
                    "topic": topic,
                    "difficulty": difficulty,
                    "choice": "0",
                    "credit": 1.0 if correct else 0.0,
                    "correct": correct,
                    "correct_order": None,
                    "practice": True,
                    "answered_at": at,
                    "message_ts": f"{i}.{k}",
                }
            )
            last[qid] = at
        for qid, at in last.items():
            cards.append(
                {
                    "workspace_id": "T1",
                    "user_id": user,
                    "question_id": qid,
                    "state": 2,
                    "step": None,
                    "stability": rng.uniform(1, 60),
                    "difficulty": rng.uniform(1, 10),
                    "due": NOW + timedelta(days=rng.uniform(-30, 60)),
                    "last_review": at,
                    "reviews": 1,
                    "lapses": 0,
                }
            )
        if len(rows) >= CHUNK or i == people - 1:
            with transaction(ctx.sessions) as session:
                session.execute(insert(Answer), rows)
                session.execute(insert(ReviewCard), cards)
            total_cards += len(cards)
            rows, cards = [], []
    with transaction(ctx.sessions) as session:
        session.execute(text("ANALYZE"))
    return per_person * people, total_cards


def plan(ctx: Context) -> str:
    """How the database reads one person's due cards (it must name ix_review_cards_due)."""
    query = (
        "SELECT question_id FROM review_cards WHERE workspace_id = 'T1' AND user_id = 'U00001'"
        " AND due < '2026-11-26 00:00:00' ORDER BY due LIMIT 3"
    )
    with reading(ctx.sessions) as session:
        if session.get_bind().dialect.name == "sqlite":
            return " / ".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + query)))
        return " / ".join(str(row[0]) for row in session.execute(text("EXPLAIN " + query)))


def selection(url: str, repeat: int) -> dict[str, float]:
    result: dict[str, float] = {}

    def views() -> dict[str, Callable[[], object]]:
        ctx = build_context(url, clock=lambda: NOW)

        def sql(statement: str) -> Callable[[], object]:
            def run() -> object:
                with reading(ctx.sessions) as session:
                    return session.execute(text(statement)).all()

            return run

        def pick() -> object:
            with reading(ctx.sessions) as session:
                return delivery.pick_due(session, NOW, ctx.bank.questions_by_id.keys())

        return {
            "count(*) cards": sql("SELECT count(*) FROM review_cards"),
            "count(*) answers": sql("SELECT count(*) FROM answers"),
            "pick_due": pick,
        }

    cold_views, warm_views = views(), views()
    for run in warm_views.values():
        run()
    base: Timing | None = None
    print(f"{'step':18} {'cold':>10}   warm ({repeat} runs)")
    for name, run in warm_views.items():
        cold = time_ms(cold_views[name], 1).max_ms
        warm = time_ms(run, repeat)
        base = base or warm
        result[name], result[f"{name} p99"], result[f"{name} cold"] = warm.median_ms, warm.p99_ms, cold
        print(f"  {name:18} {cold:8.1f} ms   {warm.line()}   {warm.median_ms / base.median_ms:7.1f}x count(*) cards")
    return result


def click_writes(url: str, writes: int) -> dict[str, float]:
    """One practice answer per transaction: alone, and with its card; the order alternates, so both meet the
    same cache. Timed twice: the write inside the transaction (what the card adds), and with the commit."""
    ctx = build_context(url, clock=lambda: NOW)
    question = ctx.bank.questions[0]
    inside: dict[str, list[float]] = {"alone": [], "card": []}
    whole: dict[str, list[float]] = {"alone": [], "card": []}
    kinds = [("alone", answers.add_answer), ("card", practice.store)]
    for i in range(writes):
        for name, write in kinds if i % 2 else kinds[::-1]:
            user = f"U{i % 10_000:05d}"
            _, answer = graded(question, frozenset({0}), "T1", user, NOW, practice=True, message_ts=f"w{i}.{name}")
            started = time.perf_counter()
            with transaction(ctx.sessions) as session:
                write(session, answer)
                inside[name].append((time.perf_counter() - started) * 1000)
            whole[name].append((time.perf_counter() - started) * 1000)
    result = {}
    for label, samples in (("write", inside), ("write+commit", whole)):
        a, b = summarize_ms(samples["alone"]), summarize_ms(samples["card"])
        print(f"  {label:13} answer alone       {a.line()}")
        print(
            f"  {label:13} answer + its card  {b.line()}   "
            f"{b.median_ms / a.median_ms:5.2f}x median, {b.p99_ms / a.p99_ms:5.2f}x p99"
        )
        result |= {f"{label} alone": a.median_ms, f"{label} card": b.median_ms, f"{label} card p99": b.p99_ms}
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--writes", type=int, default=1_000)
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL server started for the run")
    args = parser.parse_args(argv)
    server = None
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            from tests.postgres_server import PostgresServer

            server = PostgresServer.start()
            url = server.create_database("bench_reviews")
        else:
            url = f"sqlite:///{Path(folder) / 'reviews.db'}"
        try:
            upgrade(url)
            started = time.perf_counter()
            stored, cards = fill(build_context(url, clock=lambda: NOW), args.people, args.answers)
            print(
                f"{'PostgreSQL' if server else 'SQLite'}: filled {stored:,} answers and {cards:,} cards of "
                f"{args.people:,} opted-in people in {time.perf_counter() - started:.1f} s"
            )
            ctx = build_context(url, clock=lambda: NOW)
            with reading(ctx.sessions) as session:
                due = delivery.pick_due(session, NOW, ctx.bank.questions_by_id.keys())
            print(f"due now: {len(due):,} people, {sum(len(d.question_ids) for d in due):,} cards picked")
            print(f"plan: {plan(ctx)}")
            result = selection(url, args.repeat)
            result["people"] = len(due)
            result.update(click_writes(url, args.writes))
        finally:
            if server is not None:
                server.stop()
    return result


if __name__ == "__main__":
    main()
