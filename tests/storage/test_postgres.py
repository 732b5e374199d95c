"""The multi-process guarantees on a real PostgreSQL server: what several replicas rely on."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.services.quiz import channels, posting, reveals
from bot.services.quiz.answering import Click, answer_daily
from bot.services.scores import leaderboards, teams
from bot.services.scores import totals as score_totals
from bot.tutor.scoring import answer_points
from storage.db import make_engine, schema_revisions, transaction, upgrade
from storage.models import Answer, QuizPost, ScoreTotal
from storage.repos import totals
from tests.cli_runs import run_at_once
from tests.postgres_server import PostgresServer
from tests.slack_requests import click, find_element

_names = itertools.count()


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise  # CI installs PostgreSQL (.ci/run): there, a missing server is a failure
        pytest.skip(f"no PostgreSQL server binaries on this machine: {exc}")
    yield server
    server.stop()


@pytest.fixture
def db_url(postgres: PostgresServer) -> str:
    """Overrides the SQLite file of tests/conftest.py: every fixture built on it now talks to PostgreSQL."""
    url = postgres.create_database(f"lab2prod_{next(_names)}")
    upgrade(url)
    upgrade(url)  # migrations are idempotent
    return url


def test_concurrent_post_quiz_processes_post_once(db_url, ctx, fake_slack):
    for channel in ("C1", "C2", "C3"):
        channels.save_channel(ctx, "T1", channel, "00:00", "UTC", "daily")
    env = {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb", "SLACK_API_URL": fake_slack.api_url}
    runs = run_at_once(4, "post-quiz", env=env)
    assert [code for code, *_ in runs.outcomes] == [0] * 4, runs.outcomes
    assert runs.overlapped, runs.spans
    assert sorted(c.params["channel"] for c in fake_slack.of("chat.postMessage")) == ["C1", "C2", "C3"]
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(QuizPost)) == 3


def test_concurrent_clicks_and_running_totals(ctx, client, fake_slack, slack, clock):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    blocks = fake_slack.of("chat.postMessage")[0].params["blocks"]
    with ctx.sessions() as s:
        post = s.scalars(select(QuizPost)).one()
    question = ctx.bank.questions_by_id[post.question_id]
    if question.kind == "multi":
        block, element = find_element(blocks, "quiz_submit")
        _, boxes = find_element(blocks, "quiz_boxes")
        picked = [boxes["options"][i] for i in sorted(question.correct_indexes)]
        state = {block["block_id"]: {"quiz_boxes": {"selected_options": picked}}}
    else:
        block, element = find_element(blocks, f"quiz_pick:{min(question.correct_indexes)}")
        state = None
    payloads = [
        click(
            block,
            element,
            user=f"U{i % 20:02d}",
            channel="C1",
            message_ts=post.message_ts,
            response_url=fake_slack.response_url(),
            state=state,
        )
        for i in range(50)
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(lambda p: slack.block_action(p).status, payloads)) == {200}
    fake_slack.wait_for("response_url", 50, timeout=60)
    assert 1 <= len(fake_slack.of("chat.update")) <= 3  # the count refresh is throttled here too
    clock.advance(hours=9)
    assert reveals.close_due(ctx) == 1
    assert reveals.close_due(ctx) == 0
    with ctx.sessions() as s:
        rows = s.scalars(select(Answer)).all()
        running = {
            t.user_id: (t.answers, t.correct, t.first + t.second + t.third) for t in s.scalars(select(ScoreTotal))
        }
    assert len(rows) == 20 and all(r.correct for r in rows)
    assert sum(fast for *_, fast in running.values()) == 3
    board = leaderboards.leaderboard(ctx, None, "T1", "all")
    expected = {r.user_id: answer_points(r.difficulty, r.credit, r.correct_order) for r in rows}
    assert {row.key: row.points for row in board.rows} == {u: expected[u] for u in [row.key for row in board.rows]}
    checked, mismatches = score_totals.verify_totals(ctx)
    assert (checked, mismatches) == (20, [])
    with transaction(ctx.sessions) as session:
        assert totals.rebuild(session) == 20
    with ctx.sessions() as s:
        rebuilt = {
            t.user_id: (t.answers, t.correct, t.first + t.second + t.third) for t in s.scalars(select(ScoreTotal))
        }
    assert rebuilt == running


def test_week_board_and_home_on_postgres(ctx, client, fake_slack, slack, clock):
    channels.save_channel(ctx, "T1", "C1", "08:00", "Europe/Berlin", "daily")
    posting.post_due(ctx)
    assert slack.command("team join Platform", user="U1").json()["text"].startswith(":busts_in_silhouette:")
    teams.join_team(ctx, "T1", "U2", "platform")
    with ctx.sessions() as s:
        post = s.scalars(select(QuizPost)).one()
    question = ctx.bank.questions_by_id[post.question_id]
    wrong = next(i for i in range(len(question.options)) if i not in question.correct_indexes)
    for user, chosen in (("U1", question.correct_indexes), ("U2", {wrong}), ("U3", question.correct_indexes)):
        clock.advance(seconds=5)
        assert answer_daily(ctx, Click("T1", user, "C1", post.message_ts, None, post.id, frozenset(chosen))).recorded
    clock.advance(hours=9)
    assert reveals.close_due(ctx) == 1
    full = answer_points(question.difficulty, 1.0, None)
    people = leaderboards.leaderboard(ctx, None, "T1", "week", channel_id="C1")
    assert [(r.key, r.points) for r in people.rows] == [("U1", full + 5), ("U3", full + 3), ("U2", 0.0)]
    week = leaderboards.leaderboard(ctx, None, "T1", "week", teams=True, channel_id="C1")
    assert [(r.name, r.active, r.points) for r in week.rows] == [("Platform", 2, (full + 5) / 3)]
    slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="EvPgHome")
    view = json.dumps(fake_slack.wait_for("views.publish")[0].params["view"])
    assert f"*Points*\\n{full + 5:.0f}" in view and "Platform (#1)" in view


def test_many_people_founding_one_team_at_once(ctx):
    """Sixteen people join a team that does not exist yet, in two spellings, at the same moment: one team."""
    spellings = ["Night Owls", "night owls"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(lambda i: teams.join_team(ctx, "T1", f"U{i}", spellings[i % 2]), range(16)))
    assert len(set(names)) == 1  # everyone got the one team, named as its first founder spelled it
    assert teams.list_teams(ctx, "T1") == [(names[0], 16)]


def test_replicas_starting_together_upgrade_a_new_database_once(postgres: PostgresServer):
    """Every replica runs the migrations as it starts: on a fresh database they must not trip over each other
    (an advisory lock lets one migrate while the others wait, then find nothing to do)."""
    url = postgres.create_database(f"lab2prod_{next(_names)}")
    runs = run_at_once(3, "db", "upgrade", env={"DATABASE_URL": url})
    assert runs.overlapped
    assert [code for code, _, _ in runs.outcomes] == [0, 0, 0], runs.outcomes
    current, head = schema_revisions(make_engine(url))
    assert current == head
