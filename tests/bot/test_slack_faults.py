"""Real Slack is slow, rate-limited and sometimes acts and then drops the connection: every promise holds anyway.

Each test drives one failure through the fake Slack (tests/fake_slack.py) and checks the promise from the
outside: one quiz in the channel, one reply per person, answers kept, totals equal a recount."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bot.services.asking import questions
from bot.services.asking.questions import Asked
from bot.services.operations import scheduler
from bot.services.quiz import channels, posting, reveals
from bot.services.quiz.answering import Click, answer_daily
from bot.services.runtime.context import utc_now
from bot.services.scores import totals
from bot.services.slack.clients import SlackClients
from bot.services.slack.tracked import RESOLVE_AFTER
from storage.models import Answer, HelpfulVote, QuizPost
from storage.repos import posts
from tests.cli_runs import ROOT
from tests.fake_slack import RateTiers
from tests.slack_requests import SIGNING_SECRET, SlackSender, answer_click, click, find_element

RESOLVE = RESOLVE_AFTER + timedelta(seconds=1)


def quizzes(fake_slack, channel: str = "C1") -> list[dict]:
    return [
        m for m in fake_slack.messages(channel) if (m.get("metadata") or {}).get("event_type") == posting.QUIZ_EVENT
    ]


def the_post(ctx):
    with ctx.sessions() as s:
        post_id = s.scalars(select(QuizPost.id)).one()
        return posts.get_post(s, post_id)


@pytest.fixture
def quick_ctx(ctx, fake_slack):
    """The services' context with a 1-second Slack client timeout, so a hang outlasts it quickly."""
    return replace(ctx, slack=SlackClients("xoxb-test", fake_slack.api_url, timeout=1))


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "acted_then_drop"},  # Slack posted, then the connection broke before its answer
        {"kind": "hang", "seconds": 2, "act": True},  # Slack posted, but answered after our timeout
        {"kind": "http500"},  # a 5xx: Slack says nothing about whether it acted
        {"kind": "error", "error": "internal_error"},  # Slack's own "some of it may have happened"
        {"kind": "drop"},  # the connection broke before Slack acted
        {"kind": "hang", "seconds": 2, "act": False},  # a hang that ends in nothing
    ],
    ids=["acted-then-drop", "hang-acted", "http500", "internal-error", "drop", "hang-nothing"],
)
def test_one_quiz_a_day_whatever_slack_does_with_the_post(quick_ctx, fake_slack, clock, fault):
    ctx = quick_ctx
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    fake_slack.fault("chat.postMessage", **fault)
    assert "looked for before any second send" in posting.post_due(ctx)[0]
    clock.advance(minutes=1)
    assert "waiting for Slack to confirm" in posting.post_due(ctx)[0]  # no second send while it is unsure
    assert posting.resolve_unsure(ctx) == []  # too early: a send's retries may still be running
    clock.advance(minutes=2)
    [resolved] = posting.resolve_unsure(ctx)
    acted = fault["kind"] in ("acted_then_drop",) or fault.get("act") is True
    assert ("found the quiz" in resolved) if acted else ("posted" in resolved), resolved
    assert len(quizzes(fake_slack)) == 1
    assert the_post(ctx).message_ts == quizzes(fake_slack)[0]["ts"]
    assert "already has the quiz" in posting.post_due(ctx)[0]
    assert posting.resolve_unsure(ctx) == []


def test_an_unsure_post_whose_question_was_retired_by_a_deploy_gets_a_new_question(quick_ctx, fake_slack, clock):
    """A content release retires an item (a rewrite gets a new id) while a claim's send is unsure: once Slack's
    history shows the quiz never arrived, the day is claimed again with a live question instead of failing."""
    ctx = quick_ctx
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    fake_slack.fault("chat.postMessage", "drop")  # the connection broke before Slack acted
    posting.post_due(ctx)
    retired = the_post(ctx).question_id
    live = tuple(q for q in ctx.bank.questions if q.id != retired)
    deployed = replace(ctx, bank=replace(ctx.bank, questions=live, questions_by_id={q.id: q for q in live}))
    clock.advance(minutes=3)
    [report] = posting.resolve_unsure(deployed)
    assert "retired" in report, report
    [posted] = posting.post_due(deployed)
    assert "posted" in posted, posted
    [quiz] = quizzes(fake_slack)
    assert the_post(deployed).question_id != retired and the_post(deployed).message_ts == quiz["ts"]


def test_an_unsure_post_is_left_alone_when_the_history_cannot_be_read(quick_ctx, fake_slack, clock):
    ctx = quick_ctx
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    fake_slack.fault("chat.postMessage", "acted_then_drop")
    posting.post_due(ctx)
    fake_slack.fault("conversations.history", "error", times=None, error="missing_scope")
    clock.advance(minutes=3)
    [report] = posting.resolve_unsure(ctx)
    assert "not sent again" in report and len(quizzes(fake_slack)) == 1
    assert "unconfirmed post: missing_scope" in channels.describe(channels.list_channels(ctx)[0])
    clock.advance(minutes=3)
    posting.resolve_unsure(ctx)
    assert len(quizzes(fake_slack)) == 1  # still one: nobody can tell it is absent, so nobody sends it again


def test_a_click_on_a_quiz_whose_answer_was_lost_is_scored_and_adopts_the_message(quick_ctx, fake_slack, clock):
    ctx = quick_ctx
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    fake_slack.fault("chat.postMessage", "acted_then_drop")
    posting.post_due(ctx)
    [message] = quizzes(fake_slack)
    post = the_post(ctx)
    question = ctx.bank.questions_by_id[post.question_id]
    chosen = frozenset({min(question.correct_indexes)})
    outcome = answer_daily(ctx, Click("T1", "U1", "C1", message["ts"], None, post.id, chosen))
    assert outcome.recorded and the_post(ctx).message_ts == message["ts"]
    clock.advance(minutes=3)
    assert posting.resolve_unsure(ctx) == []  # nothing left to resolve
    with ctx.sessions() as s:
        assert not posts.release_claim(s, post.id)  # a claim with a message and an answer can never go


def test_answers_outlive_their_post_row(ctx, fake_slack, db_url):
    """No cascade: deleting a post that has answers is refused by the database itself."""
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    post = the_post(ctx)
    assert answer_daily(ctx, Click("T1", "U1", "C1", post.message_ts, None, post.id, frozenset({0}))).recorded
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), ctx.sessions() as s, s.begin():
        s.execute(text("DELETE FROM quiz_posts"))
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 1


def test_kill_9_during_the_post_leaves_one_quiz_after_restart(db_url, fake_slack, ctx):
    """A real `post-quiz` process killed while Slack holds its call: the next run finds the quiz, or sends it."""
    fake_slack.clock = time.time
    channels.save_channel(ctx, "T1", "C1", "00:00", "UTC", "daily")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url}
    env.update({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.api_url})
    for act in (True, False):
        fake_slack.fault("chat.postMessage", "hang", seconds=30, act=act)
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "post-quiz"], cwd=ROOT, env=env)
        if act:
            fake_slack.wait_for("chat.postMessage", timeout=30)  # Slack has posted and holds the answer back
        else:
            _wait_for_claim(ctx, proc)  # claimed; the send is in flight and Slack will never act on it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        fake_slack.clear_faults()
        later = replace(ctx, clock=lambda: utc_now() + timedelta(minutes=3))  # the restart, minutes later
        posting.resolve_unsure(later)
        assert len(quizzes(fake_slack)) == 1, (act, fake_slack.messages("C1"))
        assert the_post(ctx).message_ts == quizzes(fake_slack)[0]["ts"]
        with ctx.sessions() as s, s.begin():  # the next day, for the second round
            s.execute(text("DELETE FROM quiz_posts"))
        fake_slack._messages.clear()


def _wait_for_claim(ctx, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        with ctx.sessions() as s:
            if s.scalar(select(func.count()).select_from(QuizPost)):
                time.sleep(0.5)  # past the claim, into the call
                return
        assert time.monotonic() < deadline and proc.poll() is None, "post-quiz never claimed the day"
        time.sleep(0.05)


def test_the_weekly_summary_is_retried_until_out_and_never_doubled(quick_ctx, fake_slack, clock):
    ctx = quick_ctx
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)  # Monday 2 March
    post = the_post(ctx)
    assert answer_daily(ctx, Click("T1", "U1", "C1", post.message_ts, None, post.id, frozenset({0}))).recorded
    clock.advance(days=7)  # the next Monday: its quiz owes last week's summary
    fake_slack.fault("chat.postMessage", "acted_then_drop", when=lambda p: p.get("text", "").startswith("Last week"))
    report = posting.post_due(ctx)[0]
    assert report.startswith("C1: posted")  # the quiz is out; the summary's trouble does not make it "failed"
    summaries = [m for m in fake_slack.messages("C1") if m["text"] == "Last week's quiz leaderboard"]
    assert len(summaries) == 1
    clock.advance(minutes=3)
    assert posting.send_summaries(ctx) == 0  # found, not sent again
    summaries = [m for m in fake_slack.messages("C1") if m["text"] == "Last week's quiz leaderboard"]
    assert len(summaries) == 1
    clock.advance(minutes=3)
    assert posting.send_summaries(ctx) == 0


def test_a_summary_that_failed_is_sent_on_a_later_tick(quick_ctx, fake_slack, clock):
    ctx = quick_ctx
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    post = the_post(ctx)
    answer_daily(ctx, Click("T1", "U1", "C1", post.message_ts, None, post.id, frozenset({0})))
    clock.advance(days=7)
    fake_slack.fault("chat.postMessage", "http503", when=lambda p: p.get("text", "").startswith("Last week"))
    posting.post_due(ctx)
    assert [m for m in fake_slack.messages("C1") if m["text"].startswith("Last week")] == []
    clock.advance(minutes=3)
    scheduler.tick(ctx)
    assert len([m for m in fake_slack.messages("C1") if m["text"].startswith("Last week")]) == 1


def test_acks_never_wait_for_a_hung_slack(slack, ctx, fake_slack):
    """Feedback hangs for 30 s at Slack; every click is still acknowledged (the sender gives up after 15 s),
    stored, and told exactly once when Slack recovers. Nobody gets both feedback and "something went wrong"."""
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    post = the_post(ctx)
    blocks = fake_slack.messages("C1")[0]["blocks"]
    fake_slack.latency = 0.3
    fake_slack.fault("response_url", "hang", seconds=20, times=None, act=True)
    payloads = [
        answer_click(
            blocks,
            user=f"U{i:02d}",
            message_ts=post.message_ts,
            response_url=fake_slack.response_url(f"U{i:02d}"),
        )
        for i in range(30)
    ]
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda p: slack.block_action(p).status, payloads))
    assert statuses == [200] * 30
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 30
    fake_slack.clear_faults()
    replies = fake_slack.wait_for("response_url", 30, timeout=60)
    assert sorted(c.path for c in replies) == sorted(f"/response/U{i:02d}" for i in range(30))
    assert not any("went wrong" in c.params.get("text", "") for c in replies)


def test_a_burst_under_slacks_rate_tiers_tells_everyone_once_and_ends_with_the_right_count(
    slack, ctx, fake_slack, clock
):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    post = the_post(ctx)
    blocks = fake_slack.messages("C1")[0]["blocks"]
    fake_slack.tiers = RateTiers(scale=20)  # Slack's limits and bursts, refilled 20x faster
    payloads = [
        answer_click(
            blocks,
            user=f"U{i % 60:02d}",
            message_ts=post.message_ts,
            response_url=fake_slack.response_url(f"r{i}"),
        )
        for i in range(120)
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(lambda p: slack.block_action(p).status, payloads)) == {200}
    replies = fake_slack.wait_for("response_url", 120, timeout=60)
    assert len({c.path for c in replies}) == 120  # every click, one reply each
    assert sum("already answered" in c.params["text"] for c in replies) == 60
    ctx.background.drain(30)
    clock.advance(seconds=10)
    reveals.refresh_counts(ctx)  # whatever the throttle and the tiers skipped, the last count is shown
    [*_, last] = [c for c in fake_slack.of("chat.update") if c.params.get("text") == "Daily quiz"]
    assert "60 answers so far" in str(last.params["blocks"])
    assert totals.verify_totals(ctx)[1] == []


def test_an_event_whose_handler_died_is_answered_once_later(ctx, fake_slack, clock):
    """The process stopped between the ack and the reply: the inbox has the event, a later tick answers it."""
    dead = replace(ctx, background=type("Dead", (), {"submit": lambda *a, **k: None})())
    question = Asked("why do models drift in prod", "T1", "U1", "D1", "dm")
    questions.receive_message(dead, fake_slack_client(ctx), "EvDied", question)
    scheduler.tick(ctx)
    assert fake_slack.of("chat.postMessage") == []  # its lease is still fresh: the handler may be running
    clock.advance(minutes=6)
    scheduler.tick(ctx)
    ctx.background.drain(5)  # recovered replies go out on the pool, not on the scheduler's thread
    [reply] = fake_slack.of("chat.postMessage")
    assert reply.params["channel"] == "D1" and "Drift" in str(reply.params["blocks"])
    clock.advance(minutes=6)
    scheduler.tick(ctx)
    questions.receive_message(ctx, fake_slack_client(ctx), "EvDied", question)  # Slack's retry of the same event
    ctx.background.drain(5)
    assert len(fake_slack.of("chat.postMessage")) == 1


def fake_slack_client(ctx):
    return ctx.slack.default


def test_a_double_click_on_a_vote_is_one_vote(slack, fake_slack, sessions):
    blocks = slack.command("latency").json()["blocks"]
    block, yes = find_element(blocks, "helpful:yes")
    payload = click(block, yes, response_url=fake_slack.response_url())
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(lambda _: slack.block_action(payload).status, range(16))) == {200}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(HelpfulVote)) == 1


def _immutable(paths: list[str], on: bool) -> None:
    for path in paths:
        if os.path.exists(path):
            subprocess.run(["chattr", "+i" if on else "-i", path], check=True)


@pytest.fixture
def root_only():
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            raise RuntimeError("these tests make files immutable and mount a tiny file system: CI runs as root")
        pytest.skip("needs root (chattr, mount)")


def test_a_read_only_database_is_recovered_without_a_restart(root_only, ctx, settings, fake_slack, db_url):
    """A connection opened while the file was read-only stays read-only for good; the pool must replace it once
    the file is writable again, or every answer fails until someone restarts the app."""
    from bot.web.bolt_app import create_app
    from storage.db import make_engine, make_sessionmaker
    from tests.app_server import serving

    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    post = the_post(ctx)
    blocks = fake_slack.messages("C1")[0]["blocks"]
    path = db_url.removeprefix("sqlite:///")
    files = [path, path + "-wal"]  # not the -shm: SQLite maps it, and a write to a mapped immutable page is a SIGBUS
    fresh = replace(ctx, sessions=make_sessionmaker(make_engine(db_url)), group_commit=True)  # connects below

    def answer(sender, user: str):
        payload = answer_click(
            blocks, user=user, message_ts=post.message_ts, response_url=fake_slack.response_url(user)
        )
        return sender.block_action(payload)

    with serving(create_app(fresh, settings)) as sender:
        _immutable(files, True)
        try:
            assert answer(sender, "U2").status == 200  # acknowledged, told to try again: nothing was stored
            [sorry] = fake_slack.wait_for("response_url")
            assert sorry.path == "/response/U2" and "went wrong" in sorry.params["text"]
        finally:
            _immutable(files, False)
        assert answer(sender, "U2").status == 200  # the same process, no restart
        [_, feedback] = fake_slack.wait_for("response_url", 2)
        assert "went wrong" not in feedback.params["text"] and feedback.params["blocks"]
    with ctx.sessions() as s:
        assert list(s.scalars(select(Answer.user_id))) == ["U2"]


def test_a_full_disk_loses_nothing_and_recovers(root_only, ctx, fake_slack, tmp_path):
    """The database's file system fills up: the answer is refused cleanly, and stored once there is room."""
    from storage.db import make_engine, make_sessionmaker, upgrade

    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        url = f"sqlite:///{mount / 'full.db'}"
        upgrade(url)
        small = replace(ctx, sessions=make_sessionmaker(make_engine(url)))
        channels.save_channel(small, "T1", "C1", "08:00", "UTC", "daily")
        posting.post_due(small)
        post = the_post(small)
        filler = mount / "filler"
        with open(filler, "wb") as f:  # fill the rest of the file system
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        click_ = Click("T1", "U1", "C1", post.message_ts, None, post.id, frozenset({0}))
        from sqlalchemy.exc import OperationalError

        with pytest.raises(OperationalError) as full:
            answer_daily(small, click_)
        assert maintenance_reason(full.value) == "full"
        filler.unlink()
        assert answer_daily(small, click_).recorded  # the same engine: its connection was renewed
        assert totals.verify_totals(small)[1] == []
    finally:
        for engine in {small.sessions.kw["bind"]} if "small" in locals() else ():
            engine.dispose()  # let go of the files, or the file system stays busy
        subprocess.run(["umount", str(mount)], check=True)


def maintenance_reason(error: BaseException) -> str | None:
    from bot.services.operations.health import database_trouble

    return database_trouble(error)


def test_sigterm_mid_burst_answers_every_acknowledged_click(tmp_path, fake_slack, ctx, db_url, clock):
    """A deploy's SIGTERM in the middle of a burst: whatever got a 200 is stored and gets its feedback, and
    the process exits 0 within its grace period."""
    clock.now = utc_now()  # the served process runs on the real clock: post the quiz on it too
    channels.save_channel(ctx, "T1", "C1", "00:00", "UTC", "daily")
    posting.post_due(ctx)
    post = the_post(ctx)
    blocks = fake_slack.messages("C1")[0]["blocks"]
    fake_slack.latency = 0.3  # every reply takes Slack 300 ms
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-test"}
    env.update({"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_slack.api_url, "SLACK_APP_TOKEN": ""})
    env["LAB2PROD_TICK_SECONDS"] = "3600"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events")
    _wait_up(port, proc)
    statuses: dict[str, int] = {}

    def fire(i: int) -> None:
        user = f"U{i % 150:03d}"
        payload = answer_click(
            blocks, user=user, message_ts=post.message_ts, response_url=fake_slack.response_url(f"c{i}")
        )
        try:
            statuses[f"c{i}"] = sender.block_action(payload).status
        except OSError:
            statuses[f"c{i}"] = 0  # refused: the server had stopped accepting

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(300)]
    for n, thread in enumerate(threads):
        thread.start()
        if n == 150:
            proc.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(30)
    try:
        output = proc.communicate(timeout=60)[0]  # the grace period is 20 s; the rest is a loaded CI machine
    finally:
        proc.kill()
    assert proc.returncode == 0, output
    acked = {name for name, status in statuses.items() if status == 200}
    assert acked, statuses
    replied = {c.path.removeprefix("/response/") for c in fake_slack.of("response_url")}
    assert acked <= replied, output  # every acknowledged click got its feedback before the process ended
    with ctx.sessions() as s:
        stored = set(s.scalars(select(Answer.user_id)))
    acked_users = {f"U{int(name[1:]) % 150:03d}" for name in acked}
    assert acked_users <= stored and stored  # every acknowledged click's answer was stored
    first_replies = [c for c in fake_slack.of("response_url") if "already answered" not in c.params["text"]]
    assert len(first_replies) == len(stored)  # and each of those people was told how they did
    assert "Traceback" not in output, output


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, proc: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "serve did not come up"
            time.sleep(0.1)
