"""Writes from many threads committed together by one writer thread, on a real SQLite file."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from bot.services.quiz import channels, posting
from bot.services.quiz.answering import Click, answer_daily
from bot.services.runtime.group_commit import GroupCommit
from storage.db import make_engine, make_sessionmaker
from storage.repos import posts


@pytest.fixture
def sessions(db_url):
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (k TEXT PRIMARY KEY)"))
    yield make_sessionmaker(engine)
    engine.dispose()


def _commits(sessions) -> list[int]:
    counted: list[int] = []
    event.listen(sessions.kw["bind"], "commit", lambda _conn: counted.append(1))
    return counted


def _insert(key: str):
    def write(session):
        session.execute(text("INSERT INTO scratch (k) VALUES (:k)"), {"k": key})
        return key

    return write


def _keys(sessions) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(text("SELECT k FROM scratch")))


def _hold_first_batch(writes: GroupCommit, queued: int):
    """A first write that keeps the writer busy until `queued` more writes wait behind it."""

    def write(session):
        deadline = time.monotonic() + 10
        while writes._queue.qsize() < queued and time.monotonic() < deadline:
            time.sleep(0.005)
        session.execute(text("INSERT INTO scratch (k) VALUES ('first')"))
        return "first"

    return write


def test_writes_waiting_together_share_one_commit_and_each_caller_gets_its_own_result(sessions):
    writes = GroupCommit(sessions)
    commits = _commits(sessions)
    batches_before = _batch_metric()
    with ThreadPoolExecutor(max_workers=32) as pool:
        first = pool.submit(writes.run, _hold_first_batch(writes, 31))
        time.sleep(0.05)  # the first write is with the writer before the others queue
        rest = list(pool.map(writes.run, [_insert(f"k{i:02d}") for i in range(31)]))
    writes.close()
    assert first.result() == "first"
    assert rest == [f"k{i:02d}" for i in range(31)]
    assert _keys(sessions) == sorted(["first", *(f"k{i:02d}" for i in range(31))])
    assert len(commits) == 2  # the first write's own, then the 31 that queued behind it
    count, total = _batch_metric()
    assert (count - batches_before[0], total - batches_before[1]) == (2, 32)  # what /metrics shows


def _batch_metric() -> tuple[float, float]:
    from prometheus_client import REGISTRY

    def sample(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    return sample("lab2prod_write_batch_size_count"), sample("lab2prod_write_batch_size_sum")


def test_a_failing_write_fails_only_its_own_caller(sessions):
    writes = GroupCommit(sessions)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(writes.run, _hold_first_batch(writes, 3))
        time.sleep(0.05)
        good = pool.submit(writes.run, _insert("a"))
        time.sleep(0.01)
        duplicate = pool.submit(writes.run, _insert("first"))  # the primary key the first write takes
        time.sleep(0.01)
        other = pool.submit(writes.run, _insert("b"))
        assert first.result(10) == "first"
        assert good.result(10) == "a" and other.result(10) == "b"
        with pytest.raises(IntegrityError):
            duplicate.result(10)
    writes.close()
    assert _keys(sessions) == ["a", "b", "first"]


def test_an_error_that_is_not_the_databases_reaches_the_caller_and_the_writer_goes_on(sessions):
    writes = GroupCommit(sessions)

    def broken(session):
        raise ValueError("a bug in the write")

    with pytest.raises(ValueError, match="a bug"):
        writes.run(broken)
    assert writes.run(_insert("after")) == "after"
    writes.close()
    assert _keys(sessions) == ["after"]


def test_close_commits_what_is_queued_and_later_writes_run_in_the_caller(sessions):
    writes = GroupCommit(sessions)
    results: list[str] = []
    threads = [threading.Thread(target=lambda i=i: results.append(writes.run(_insert(f"q{i}")))) for i in range(8)]
    for thread in threads:
        thread.start()
    writes.close()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [f"q{i}" for i in range(8)]
    assert writes.run(_insert("late")) == "late"  # the writer has stopped: the caller's own transaction
    assert len(_keys(sessions)) == 9


def test_a_double_click_is_answered_from_memory_without_touching_the_database(ctx, fake_slack):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    with ctx.sessions() as session:
        post = posts.get_post(session, 1)
    click = Click("T1", "U1", "C1", post.message_ts, None, post.id, frozenset({0}))
    assert answer_daily(ctx, click).recorded
    statements: list[str] = []
    event.listen(ctx.sessions.kw["bind"], "before_cursor_execute", lambda *args: statements.append(args[2]))
    again = answer_daily(ctx, click)
    assert not again.recorded and "already answered" in again.text
    assert again.blocks  # their first answer's feedback, shown again
    assert statements == []


def test_a_locked_database_fails_a_waiting_batch_once_not_write_by_write(db_url, sessions):
    """Another process holds SQLite's write lock: every write queued together fails with the same 'locked'
    after one busy timeout, instead of each being retried alone and waiting out its own timeout in turn."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    impatient = make_sessionmaker(make_engine(db_url, busy_timeout_ms=200))
    writes = GroupCommit(impatient)
    runs: list[str] = []

    def counted(key: str):
        def write(session):
            runs.append(key)
            session.execute(text("INSERT INTO scratch (k) VALUES (:k)"), {"k": key})
            return key

        return write

    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            first = pool.submit(writes.run, _hold_first_batch(writes, 5))
            time.sleep(0.05)
            rest = [pool.submit(writes.run, counted(f"k{i}")) for i in range(5)]
            for future in [first, *rest]:
                with pytest.raises(OperationalError, match="locked"):
                    future.result(30)
    finally:
        holder.rollback()
        holder.close()
    writes.close()
    assert len(runs) == 1  # the batch stopped at its first write's timeout; no write was tried again alone
    assert _keys(sessions) == []
