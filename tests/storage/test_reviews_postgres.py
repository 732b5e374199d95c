"""Personal reviews on a real PostgreSQL server: two replicas running post-reviews at once send one DM per
person and day."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import func, select

from bot.services.learning import delivery
from bot.services.runtime.context import build_context
from bot.services.slack.clients import SlackClients
from storage.models import ReviewDay
from tests.bot.test_reviews_slack import check_oldest_due_first, seed_due_people
from tests.cli_runs import run_at_once
from tests.storage import test_postgres

# The PostgreSQL server and the database per test of test_postgres: every ctx here is on PostgreSQL.
postgres, db_url = test_postgres.postgres, test_postgres.db_url


def test_two_replicas_processes_send_one_dm_per_person_day(db_url, ctx, fake_slack):
    seed_due_people(ctx, 15)
    env = {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb", "SLACK_API_URL": fake_slack.api_url}
    runs = run_at_once(2, "post-reviews", env=env)
    assert [code for code, *_ in runs.outcomes] == [0, 0], runs.outcomes
    assert runs.overlapped, runs.spans
    channels = sorted(c.params["channel"] for c in fake_slack.of("chat.postMessage"))
    assert channels == sorted(f"DP{i}" for i in range(15))


def test_two_replicas_in_threads_under_one_clock(db_url, ctx, fake_slack, clock):
    """Two contexts (two replicas' worth of engines and pools) racing on every person at the same instant."""
    seed_due_people(ctx, 30)
    replicas = [
        build_context(db_url, clock=clock, slack=SlackClients("xoxb-test", fake_slack.api_url)) for _ in range(2)
    ]
    clock.now = datetime(2026, 3, 4, 12, 0)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(delivery.post_due, replicas))
    sent = [line for report in reports for line in report if line.endswith("card(s)")]
    assert len(sent) == 30 and len(fake_slack.of("chat.postMessage")) == 30
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReviewDay)) == 30
    for replica in replicas:
        assert delivery.post_due(replica) == []


def test_due_cards_are_the_three_oldest_due_per_person(db_url, ctx):
    check_oldest_due_first(ctx)  # PostgreSQL reads them a thousand people per statement
