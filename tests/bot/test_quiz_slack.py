"""The daily quiz end to end: schedule, post, click (signed block_actions over HTTP), feedback, reveal."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.services.quiz import channels, posting, reveals
from bot.services.quiz.answering import Click, answer_daily
from bot.tutor.schedule_rules import ScheduleError
from storage.models import Answer, QuizPost
from tests.app_server import serving
from tests.cli_runs import run_at_once
from tests.slack_requests import click, find_element


def answers(sessions) -> list[Answer]:
    with sessions() as s:
        return list(s.scalars(select(Answer).order_by(Answer.id)))


def post_record(ctx, post_id: int):
    from storage.repos import posts

    with ctx.sessions() as s:
        return posts.get_post(s, post_id)


def on(post, block, element, **kw):
    """A click on the posted message itself (its channel and ts)."""
    return click(block, element, channel=post.channel_id, message_ts=post.message_ts, **kw)


def direct_click(post, user: str, chosen) -> Click:
    return Click("T1", user, post.channel_id, post.message_ts, None, post.id, frozenset(chosen))


def post_today(ctx, client, fake_slack, kind: str | None = None, channel: str = "C1"):
    """Schedule C1 so it is due at the frozen clock, post, and return (post row, question, posted blocks)."""
    channels.save_channel(ctx, "T1", channel, "08:00", "UTC", "mon-sun", "8h")
    if kind:  # narrow the bank to one kind for this test
        ctx.bank = type(ctx.bank)(
            topics=ctx.bank.topics,
            questions=tuple(q for q in ctx.bank.questions if q.kind == kind),
            questions_by_id=ctx.bank.questions_by_id,
        )
    report = posting.post_due(ctx, channel)
    assert "posted" in report[0], report
    call = fake_slack.of("chat.postMessage")[-1]
    with ctx.sessions() as s:
        post_id = s.scalars(select(QuizPost.id).where(QuizPost.channel_id == channel)).one()
    post = post_record(ctx, post_id)
    return post, ctx.bank.questions_by_id[post.question_id], call.params["blocks"]


def test_channel_schedule_validation(ctx):
    with pytest.raises(ScheduleError, match="unknown time zone"):
        channels.save_channel(ctx, "T1", "C1", "09:00", "Moon/Base")
    with pytest.raises(ScheduleError, match="HH:MM"):
        channels.save_channel(ctx, "T1", "C1", "9am", "UTC")
    saved = channels.save_channel(ctx, "T1", "C1", "9:05", "Europe/Berlin", "mon,wed", "90m")
    assert (saved.post_time, saved.tz, saved.weekdays, saved.close_after_minutes) == (
        "09:05",
        "Europe/Berlin",
        "mon,wed",
        90,
    )


def test_post_is_once_per_channel_and_local_day(ctx, client, fake_slack, clock):
    post_today(ctx, client, fake_slack)
    assert "already" in posting.post_due(ctx)[0]
    clock.advance(hours=3)
    posting.post_due(ctx)
    assert len(fake_slack.of("chat.postMessage")) == 1
    clock.advance(days=1)
    posting.post_due(ctx)
    assert len(fake_slack.of("chat.postMessage")) == 2
    with ctx.sessions() as s:
        ids = s.scalars(select(QuizPost.question_id)).all()
    assert len(set(ids)) == 2  # no repeat


def test_not_due_before_time_or_on_off_days(ctx, client, fake_slack, clock):
    channels.save_channel(ctx, "T1", "C1", "09:00", "Europe/Berlin", "mon-fri")
    clock.now = clock.now.replace(hour=7, minute=59)  # Monday 08:59 Berlin
    assert posting.post_due(ctx) == ["C1: not due"]
    clock.now = clock.now.replace(day=7, hour=12)  # Saturday
    assert posting.post_due(ctx) == ["C1: not due"]
    assert fake_slack.of("chat.postMessage") == []


def test_slack_failure_frees_the_day_for_a_retry(ctx, client, fake_slack):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "mon-sun")
    fake_slack.failing["chat.postMessage"] = "invalid_blocks"  # Slack answered "no": nothing was posted
    assert "refused" in posting.post_due(ctx)[0]
    del fake_slack.failing["chat.postMessage"]
    assert "posted" in posting.post_due(ctx)[0]


def test_rate_limited_post_is_retried_not_lost(ctx, client, fake_slack):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "mon-sun")
    fake_slack.rate_limited["chat.postMessage"] = 1
    assert "posted" in posting.post_due(ctx)[0]
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage:429", "chat.postMessage"]


def test_single_choice_click_gives_private_feedback_and_counts(ctx, client, fake_slack, slack, sessions):
    post, question, blocks = post_today(ctx, client, fake_slack, kind="single")
    right = min(question.correct_indexes)
    block, button = find_element(blocks, f"quiz_pick:{right}")
    assert (
        slack.block_action(on(post, block, button, user="U7", response_url=fake_slack.response_url("U7"))).status == 200
    )
    [feedback] = fake_slack.wait_for("response_url")
    assert feedback.path == "/response/U7"  # the clicker's own response_url: private, no Web API tier
    assert (feedback.params["response_type"], feedback.params["replace_original"]) == ("ephemeral", False)
    assert fake_slack.of("chat.postEphemeral") == []
    text = json.dumps(feedback.params["blocks"])
    assert "Right!" in text and f"+{10 * question.difficulty} points" in text
    assert all(o.why[:30] in text for o in question.options)  # every option explained
    [update] = fake_slack.wait_for("chat.update")
    assert "1 answer so far" in json.dumps(update.params["blocks"])
    [row] = answers(sessions)
    assert (row.user_id, row.correct, row.credit, row.post_id) == ("U7", True, 1.0, post.id)


def test_second_click_on_another_option_scores_once(ctx, client, fake_slack, slack, sessions):
    post, question, blocks = post_today(ctx, client, fake_slack, kind="single")
    wrong = next(i for i in range(len(question.options)) if i not in question.correct_indexes)
    right = min(question.correct_indexes)
    for n, index in enumerate((wrong, right), start=1):
        block, button = find_element(blocks, f"quiz_pick:{index}")
        slack.block_action(on(post, block, button, user="U1", response_url=fake_slack.response_url()))
        fake_slack.wait_for("response_url", n)
    second = fake_slack.of("response_url")[1]
    assert "already answered" in second.params["text"]
    [row] = answers(sessions)
    assert row.correct is False  # the first answer stands


def test_fifty_concurrent_clicks_from_twenty_people_record_twenty(ctx, client, fake_slack, slack, sessions):
    post, _question, blocks = post_today(ctx, client, fake_slack, kind="single")
    block, button = find_element(blocks, "quiz_pick:0")
    payloads = [
        on(post, block, button, user=f"U{i % 20:02d}", response_url=fake_slack.response_url()) for i in range(50)
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda p: slack.block_action(p).status, payloads))
    assert statuses == [200] * 50
    fake_slack.wait_for("response_url", 50, timeout=30)
    rows = answers(sessions)
    assert len(rows) == 20 and len({r.user_id for r in rows}) == 20
    already = [c for c in fake_slack.of("response_url") if "already answered" in c.params["text"]]
    assert len(already) == 30
    # a burst of answers makes a few throttled updates, not fifty
    assert 1 <= len(fake_slack.of("chat.update")) <= 3
    reveals.refresh_counts(ctx)  # too soon: throttled
    ctx.clock.advance(seconds=6)
    reveals.refresh_counts(ctx)
    assert "20 answers so far" in json.dumps(fake_slack.of("chat.update")[-1].params["blocks"])


def test_multi_select_submit(ctx, client, fake_slack, slack, sessions):
    post, question, blocks = post_today(ctx, client, fake_slack, kind="multi")
    block, submit = find_element(blocks, "quiz_submit")
    _, boxes = find_element(blocks, "quiz_boxes")

    def state(indexes):
        selected = [boxes["options"][i] for i in indexes]
        return {block["block_id"]: {"quiz_boxes": {"type": "checkboxes", "selected_options": selected}}}

    slack.block_action(on(post, block, submit, user="U1", response_url=fake_slack.response_url(), state=state([])))
    [empty] = fake_slack.wait_for("response_url")
    assert "Tick at least one box" in empty.params["text"]
    assert answers(sessions) == []

    everything = list(range(len(question.options)))
    slack.block_action(
        on(post, block, submit, user="U2", response_url=fake_slack.response_url(), state=state(everything))
    )
    fake_slack.wait_for("response_url", 2)
    exact = sorted(question.correct_indexes)
    slack.block_action(on(post, block, submit, user="U3", response_url=fake_slack.response_url(), state=state(exact)))
    fake_slack.wait_for("response_url", 3)
    rows = {r.user_id: r for r in answers(sessions)}
    assert rows["U2"].credit == 0.0 and not rows["U2"].correct  # select-all never pays
    assert rows["U3"].credit == 1.0 and rows["U3"].correct


def test_close_reveals_in_place_and_late_clicks_are_told(ctx, client, fake_slack, slack, sessions, clock):
    post, question, blocks = post_today(ctx, client, fake_slack, kind="single")
    right, wrong = min(question.correct_indexes), max(set(range(len(question.options))) - question.correct_indexes)
    for user, index in (("U1", wrong), ("U2", right), ("U3", right)):
        clock.advance(seconds=10)
        block, button = find_element(blocks, f"quiz_pick:{index}")
        slack.block_action(on(post, block, button, user=user, response_url=fake_slack.response_url()))
        fake_slack.wait_for("response_url", int(user[1:]))
    clock.advance(hours=8)
    assert reveals.close_due(ctx) == 1
    assert reveals.close_due(ctx) == 0  # once
    reveal = fake_slack.of("chat.update")[-1]
    assert reveal.params["ts"] == post.message_ts  # the very message that was posted
    text = json.dumps(reveal.params["blocks"])
    assert "closed" in text and "<@U2> (20s)" in text and "<@U3> (30s)" in text and "<@U1>" not in text
    assert "3 answers" in text
    assert all(b.get("type") != "actions" or "quiz_pick" not in json.dumps(b) for b in reveal.params["blocks"])
    block, button = find_element(blocks, f"quiz_pick:{right}")
    slack.block_action(on(post, block, button, user="U9", response_url=fake_slack.response_url()))
    late = fake_slack.wait_for("response_url", 4)[-1]
    assert "closed" in late.params["text"]
    assert len(answers(sessions)) == 3
    assert [a.correct_order for a in answers(sessions)] == [None, 1, 2]


def test_click_on_unknown_post(slack, fake_slack, sessions):
    block = {"type": "actions", "block_id": "quiz:999", "elements": []}
    button = {
        "type": "button",
        "action_id": "quiz_pick:0",
        "value": "999:0",
        "text": {"type": "plain_text", "text": "A"},
    }
    slack.block_action(click(block, button, response_url=fake_slack.response_url()))
    [reply] = fake_slack.wait_for("response_url")
    assert "can't find that quiz" in reply.params["text"]
    assert answers(sessions) == []


def test_forged_and_stale_clicks_write_nothing(ctx, client, fake_slack, slack, sessions):
    post, _, blocks = post_today(ctx, client, fake_slack, kind="single")
    block, button = find_element(blocks, "quiz_pick:0")
    payload = on(post, block, button, response_url=fake_slack.response_url())
    assert slack.block_action(payload, signature="v0=" + "f" * 64).status == 401
    assert slack.block_action(payload, timestamp=int(time.time()) - 3600).status == 401
    time.sleep(0.3)
    assert answers(sessions) == []
    assert fake_slack.of("response_url") == [] and fake_slack.of("chat.postEphemeral") == []


def test_practice_via_slash_command(slack, fake_slack, sessions):
    body = slack.command("quiz").json()
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0]["text"]["text"].startswith("Practice:")
    try:
        block, button = find_element(body["blocks"], "practice_pick:0")
        slack.block_action(click(block, button, response_url=fake_slack.response_url()))
    except AssertionError:  # a multi-select question: tick the first box and submit
        block, submit = find_element(body["blocks"], "practice_submit")
        _, boxes = find_element(body["blocks"], "practice_boxes")
        state = {block["block_id"]: {"practice_boxes": {"selected_options": [boxes["options"][0]]}}}
        slack.block_action(click(block, submit, response_url=fake_slack.response_url(), state=state))
    [reply] = fake_slack.wait_for("response_url")
    assert reply.params["replace_original"] is True
    [row] = answers(sessions)
    assert row.practice is True and row.post_id is None


def test_two_concurrent_post_quiz_runs_post_once(db_url, fake_slack, ctx):
    channels.save_channel(ctx, "T1", "C1", "00:00", "UTC", "mon-sun")
    channels.save_channel(ctx, "T1", "C2", "00:00", "UTC", "mon-sun")
    env = {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.api_url}
    runs = run_at_once(3, "post-quiz", env=env)
    assert [code for code, *_ in runs.outcomes] == [0, 0, 0], runs.outcomes
    assert runs.overlapped, runs.spans  # the three really ran at the same time
    posted = fake_slack.of("chat.postMessage")
    assert sorted(c.params["channel"] for c in posted) == ["C1", "C2"]


def test_locked_database_tells_the_person_and_loses_nothing(ctx, client, fake_slack, settings, db_url):
    """A click that cannot get the write lock gets a clear 'try again', and a retry after the lock is stored."""
    import sqlite3

    from bot.services.asking.questions import SORRY
    from bot.web.bolt_app import create_app
    from storage.db import make_engine, make_sessionmaker

    post, question, blocks = post_today(ctx, client, fake_slack, kind="single")
    impatient = replace(ctx, sessions=make_sessionmaker(make_engine(db_url, busy_timeout_ms=200)))
    block, button = find_element(blocks, f"quiz_pick:{min(question.correct_indexes)}")
    payload = on(post, block, button, user="U5", response_url=fake_slack.response_url("locked"))
    with serving(create_app(impatient, settings), threads=4) as sender:
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            assert sender.block_action(payload).status == 200
            [sorry] = fake_slack.wait_for("response_url")
            assert sorry.params["text"] == SORRY
        finally:
            holder.rollback()
            holder.close()
        assert answers(impatient.sessions) == []
        sender.block_action(payload)
        [_, feedback] = fake_slack.wait_for("response_url", 2)
        assert "Right!" in feedback.params["text"]  # one outcome per click: the sorry, then the real answer
    assert [a.user_id for a in answers(impatient.sessions)] == ["U5"]


def test_schedule_command_is_for_admins_and_channel_creators(slack, fake_slack, ctx):
    from storage.repos import schedules as repo

    fake_slack.users["U1"] = {"id": "U1", "is_admin": False, "tz": "Asia/Tokyo", "profile": {}}
    fake_slack.users["U2"] = {"id": "U2", "is_admin": True, "tz": "Asia/Tokyo", "profile": {}}
    fake_slack.channels["C1"] = {"id": "C1", "creator": "U3", "is_member": False}
    slack.command("schedule 09:30", user="U2", response_url=fake_slack.response_url("out"))
    assert "/invite @lab2prod" in fake_slack.wait_for("response_url")[0].params["text"]
    fake_slack.reset()
    fake_slack.channels["C1"]["is_member"] = True

    slack.command("schedule 09:30", user="U1", response_url=fake_slack.response_url("no"))
    [refusal] = fake_slack.wait_for("response_url")
    assert "Only workspace admins" in refusal.params["text"]

    slack.command("schedule 25:99", user="U2", response_url=fake_slack.response_url("bad"))
    assert "HH:MM" in fake_slack.wait_for("response_url", 2)[1].params["text"]
    slack.command("schedule 09:30 Mars/Base", user="U2", response_url=fake_slack.response_url("tz"))
    assert "unknown time zone" in fake_slack.wait_for("response_url", 3)[2].params["text"]

    slack.command("schedule 09:30", user="U2", response_url=fake_slack.response_url("ok"))
    done = fake_slack.wait_for("response_url", 4)[3]
    assert "09:30 Asia/Tokyo" in done.params["text"]  # the admin's own time zone by default
    slack.command("schedule 8:15 Europe/Lisbon", user="U3", response_url=fake_slack.response_url("creator"))
    assert "08:15 Europe/Lisbon" in fake_slack.wait_for("response_url", 5)[4].params["text"]
    with ctx.sessions() as s:
        channel = repo.get_channel(s, "C1")
    assert (channel.post_time, channel.tz, channel.weekdays) == ("08:15", "Europe/Lisbon", "mon,tue,wed,thu,fri")
    channels.save_channel(ctx, "T1", "C1", "08:15", "Europe/Lisbon", "mon,wed", "2h")
    slack.command("schedule 10:00", user="U2", response_url=fake_slack.response_url("keep"))
    assert "10:00 Europe/Lisbon on mon,wed" in fake_slack.wait_for("response_url", 6)[5].params["text"]
    with ctx.sessions() as s:
        assert repo.get_channel(s, "C1").close_after_minutes == 120  # only the time changed


def test_dst_fall_back_night_posts_once(ctx, client, fake_slack, clock):
    channels.save_channel(ctx, "T1", "C1", "02:30", "Europe/Berlin", "daily")
    clock.now = datetime(2026, 10, 25, 0, 30)  # the first 02:30 in Berlin that night
    assert "posted" in posting.post_due(ctx)[0]
    clock.now = datetime(2026, 10, 25, 1, 30)  # 02:30 again, an hour later
    assert "already has the quiz for 2026-10-25" in posting.post_due(ctx)[0]
    clock.now = datetime(2026, 10, 26, 1, 30)  # Monday 02:30 CET
    assert "posted" in posting.post_due(ctx)[0]
    assert len(fake_slack.of("chat.postMessage")) == 2


def test_permanent_slack_error_skips_the_day_instead_of_retrying(ctx, client, fake_slack, clock):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    fake_slack.failing["chat.postMessage"] = "not_in_channel"
    assert "skipping today" in posting.post_due(ctx)[0]
    clock.advance(minutes=30)
    assert "skipped today" in posting.post_due(ctx)[0]
    assert len(fake_slack.of("chat.postMessage")) == 1  # no retry storm
    with ctx.sessions() as s:
        from storage.repos import schedules as repo

        assert "last post failed: not_in_channel" in channels.describe(repo.get_channel(s, "C1"))
    del fake_slack.failing["chat.postMessage"]
    clock.advance(days=1)
    assert "posted" in posting.post_due(ctx)[0]


def test_failed_reveal_is_retried_on_the_next_tick(ctx, client, fake_slack, clock):
    post_today(ctx, client, fake_slack)
    clock.advance(hours=9)
    fake_slack.failing["chat.update"] = "internal_error"
    assert reveals.close_due(ctx) == 1
    del fake_slack.failing["chat.update"]
    reveals.close_due(ctx)
    shown = [c for c in fake_slack.of("chat.update") if c.params["text"] == "Daily quiz results"]
    assert len(shown) == 2  # the failed one and the retry
    reveals.close_due(ctx)
    assert len([c for c in fake_slack.of("chat.update") if c.params["text"] == "Daily quiz results"]) == 2


def test_count_update_landing_after_the_reveal_is_followed_by_the_results_again(ctx, client, fake_slack, clock):
    post, _, _ = post_today(ctx, client, fake_slack, kind="single")
    assert answer_daily(ctx, direct_click(post, "U1", {0})).recorded
    clock.advance(hours=9)
    reveals.close_due(ctx)
    stale_view = replace(post_record(ctx, post.id), closed_at=None)  # what a replica that answered earlier holds
    reveals.show_count(ctx, client, stale_view, 1)
    texts = [c.params["text"] for c in fake_slack.of("chat.update")]
    assert texts[-2:] == ["Daily quiz", "Daily quiz results"]


def test_feedback_reaches_someone_previewing_the_channel(ctx, client, fake_slack, slack, sessions):
    """chat.postEphemeral cannot reach someone who previews a channel without joining it; response_url can."""
    post, question, blocks = post_today(ctx, client, fake_slack, kind="single")
    fake_slack.failing["chat.postEphemeral"] = "user_not_in_channel"
    block, button = find_element(blocks, f"quiz_pick:{min(question.correct_indexes)}")
    slack.block_action(on(post, block, button, user="U8", response_url=fake_slack.response_url("preview")))
    [reply] = fake_slack.wait_for("response_url")
    assert reply.params["text"] == "Right!" and reply.params["replace_original"] is False
    assert fake_slack.of("chat.postEphemeral") == []
    assert [a.user_id for a in answers(sessions)] == ["U8"]


def test_reveal_of_a_deleted_message_is_given_up_not_retried_forever(ctx, client, fake_slack, clock):
    post_today(ctx, client, fake_slack)
    clock.advance(hours=9)
    fake_slack.failing["chat.update"] = "message_not_found"
    for _ in range(5):
        reveals.close_due(ctx)
    assert len(fake_slack.of("chat.update")) == 1


def test_failed_re_reveal_after_a_late_count_is_left_to_the_next_tick(ctx, client, fake_slack, clock):
    post, _, _ = post_today(ctx, client, fake_slack, kind="single")
    clock.advance(hours=9)
    reveals.close_due(ctx)
    stale_view = replace(post_record(ctx, post.id), closed_at=None)
    original = fake_slack._answer

    def fail_results(method, params):  # the count update goes through, the re-reveal fails
        if method == "chat.update" and params.get("text") == "Daily quiz results":
            return {"ok": False, "error": "internal_error"}
        return original(method, params)

    fake_slack._answer = fail_results
    assert reveals.show_count(ctx, client, stale_view, 0) == 1  # no exception reaches the clicker
    fake_slack._answer = original
    reveals.close_due(ctx)  # the next tick shows the results again
    assert [c.params["text"] for c in fake_slack.of("chat.update")][-1] == "Daily quiz results"
    with ctx.sessions() as s:
        assert s.get(QuizPost, post.id).revealed_at is not None


def test_rescheduling_a_skipped_channel_tries_again_today(ctx, client, fake_slack):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    fake_slack.failing["chat.postMessage"] = "not_in_channel"
    assert "skipping today" in posting.post_due(ctx)[0]
    del fake_slack.failing["chat.postMessage"]
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")  # after /invite, the admin sets it again
    assert "posted" in posting.post_due(ctx)[0]
