"""forget-user, export person and purge on a real PostgreSQL server: the same stories as tests/bot/test_privacy.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.services.people import privacy
from bot.services.quiz.answering import Click, answer_daily
from storage.models import Answer
from tests.bot.test_privacy import (
    FORGOTTEN,
    OPEN_DAY,
    check_export,
    check_forget,
    check_purge,
    choose,
    play,
    post_of,
    totals_are_a_recount,
)
from tests.storage.test_postgres import db_url, postgres  # noqa: F401 (fixtures: every ctx here is on PostgreSQL)


def test_export_forget_and_purge_on_postgres(ctx, client, fake_slack, clock):
    assert ctx.sessions.kw["bind"].dialect.name == "postgresql"
    world = play(ctx, client, fake_slack, clock)
    check_export(ctx)
    check_forget(ctx, clock, world)
    check_purge(ctx, clock)


def test_forgetting_while_others_answer_keeps_totals_a_recount(ctx, client, fake_slack, clock):
    """People keep clicking on the open post while someone is forgotten: every total still equals a recount."""
    play(ctx, client, fake_slack, clock)
    post = post_of(ctx, "C1", OPEN_DAY)
    chosen = choose(ctx, post.id, True)

    def answer(n: int) -> bool:
        return answer_daily(ctx, Click("T1", f"UX{n}", "C1", post.message_ts, None, post.id, chosen)).recorded

    assert ctx.sessions.kw["bind"].dialect.name == "postgresql"
    with ThreadPoolExecutor(max_workers=8) as pool:
        clicks = [pool.submit(answer, n) for n in range(12)]
        forgot = pool.submit(privacy.forget_user, ctx, "T1", FORGOTTEN)
        clicks += [pool.submit(answer, n) for n in range(12, 24)]
        assert all(c.result() for c in clicks)
        assert forgot.result().removed["answers"] == 5
    totals_are_a_recount(ctx)
    with ctx.sessions() as s:
        users = set(s.scalars(select(Answer.user_id).where(Answer.post_id == post.id)))
    assert users == {"U1"} | {f"UX{n}" for n in range(24)}
