"""Personal reviews end to end: the served app, signed requests, the fake Slack, a frozen clock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.services.learning import delivery
from bot.services.people import privacy
from storage.db import reading, transaction
from storage.models import ReviewCard, ReviewDay, ReviewSetting
from storage.records import ReviewCardRecord
from storage.repos import reviews
from tests.cli_runs import run_at_once
from tests.slack_requests import answer_click

NEW_YORK = {"id": "U1", "name": "ann", "tz": "America/New_York", "profile": {"display_name": "Ann"}}


def _question_id(blocks, prefix: str) -> str:
    return next(b["block_id"].split(":", 1)[1] for b in blocks if str(b.get("block_id", "")).startswith(prefix + ":"))


def answer_practice(ctx, slack, fake_slack, *, right: bool, user: str = "U1") -> str:
    """`/tutor quiz`, then a click on a right (or a wrong) option; returns the question id."""
    blocks = slack.command("quiz", user=user).json()["blocks"]
    question = ctx.bank.questions_by_id[_question_id(blocks, "practice")]
    wrong = [i for i in range(len(question.options)) if i not in question.correct_indexes]
    index = min(question.correct_indexes) if right and len(question.correct_indexes) == 1 else wrong[0]
    if right and len(question.correct_indexes) > 1:  # a multi-select: ticking one right box is partial credit
        index = min(question.correct_indexes)
    before = len(fake_slack.of("response_url"))
    payload = answer_click(
        blocks, index, prefix="practice", user=user, channel=f"D{user}", response_url=fake_slack.response_url("p")
    )
    assert slack.block_action(payload).status == 200
    fake_slack.wait_for("response_url", before + 1)
    return question.id


def dms(fake_slack, user: str = "U1") -> list:
    return [c for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == f"D{user}"]


def card(ctx, question_id: str, user: str = "U1"):
    with ctx.sessions() as s:
        return reviews.get_card(s, "T1", user, question_id)


def test_a_wrong_answer_comes_back_the_next_day_at_the_persons_time(ctx, slack, fake_slack, clock):
    fake_slack.users["U1"] = NEW_YORK
    question_id = answer_practice(ctx, slack, fake_slack, right=False)  # Monday 08:00 UTC
    assert card(ctx, question_id).lapses == 1
    before = len(fake_slack.of("response_url"))
    reply = slack.command("review on 07:30", response_url=fake_slack.response_url("on")).json()
    assert "on, daily at 07:30" in reply["text"]
    [confirm] = fake_slack.wait_for("response_url", before + 1)[before:]
    assert "America/New_York" in confirm.params["text"] and "Tue 03 Mar" in confirm.params["text"]
    clock.now = datetime(2026, 3, 2, 13, 0)  # Monday 08:00 in New York: the card is due tomorrow
    delivery.post_due(ctx)
    clock.now = datetime(2026, 3, 3, 12, 29)  # Tuesday 07:29 in New York: not their time yet
    delivery.post_due(ctx)
    assert dms(fake_slack) == []
    clock.now = datetime(2026, 3, 3, 12, 31)  # 07:31 there
    assert delivery.post_due(ctx) == ["U1: sent 1 card(s)"]
    [dm] = dms(fake_slack)
    assert fake_slack.of("conversations.open")[-1].params["users"] == "U1"
    assert _question_id(dm.params["blocks"], "review") == question_id
    clock.advance(hours=2)
    assert delivery.post_due(ctx) == []  # that day is done
    assert len(dms(fake_slack)) == 1
    status = slack.command("review").json()["text"]
    assert "on, daily at 07:30 (America/New_York)" in status


def test_right_answers_come_back_later_and_later(ctx, slack, fake_slack, clock):
    question_id = answer_practice(ctx, slack, fake_slack, right=False)
    slack.command("review on 09:00")
    ctx.background.drain(10)
    question = ctx.bank.questions_by_id[question_id]
    arrivals = []
    for day in range(1, 80):
        clock.now = datetime(2026, 3, 2, 9, 30) + timedelta(days=day)  # UTC: Slack gave no time zone
        delivery.post_due(ctx)
        sent = dms(fake_slack)
        if len(sent) == len(arrivals):
            continue
        arrivals.append(day)
        blocks, ts = sent[-1].params["blocks"], f"1772400000.{day:06d}"
        right = min(question.correct_indexes)
        payload = answer_click(
            blocks,
            right,
            prefix="review",
            channel="DU1",
            message_ts=ts,
            response_url=fake_slack.response_url(f"r{day}"),
        )
        if len(question.correct_indexes) > 1:  # tick every right box
            block_id = f"review:{question_id}"
            options = [{"value": str(i)} for i in sorted(question.correct_indexes)]
            payload["state"] = {"values": {block_id: {"review_boxes": {"selected_options": options}}}}
        assert slack.block_action(payload).status == 200
        assert card(ctx, question_id).last_review == clock.now
        if len(arrivals) == 4:
            break
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert arrivals[0] == 1 and len(gaps) == 3, arrivals
    assert gaps == sorted(set(gaps)), gaps  # strictly longer each time
    assert card(ctx, question_id).reviews == 5


def test_two_post_reviews_runs_send_one_dm_per_person_day(ctx, db_url, fake_slack, clock):
    seed_due_people(ctx, 12)
    env = {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.api_url}
    runs = run_at_once(2, "post-reviews", env=env)
    assert [code for code, *_ in runs.outcomes] == [0, 0], runs.outcomes
    again = run_at_once(1, "post-reviews", env=env)  # a retry, later the same day
    assert [code for code, *_ in again.outcomes] == [0]
    people = sorted(c.params["channel"] for c in fake_slack.of("chat.postMessage"))
    assert people == sorted(f"DP{i}" for i in range(12))
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReviewDay)) == 12


def seed_due_people(ctx, count: int, due: datetime = datetime(2001, 1, 1)) -> None:
    """People who opted in (00:00 UTC, so due all day) with two cards each, due long ago."""
    question_ids = [q.id for q in ctx.bank.questions[:2]]
    with transaction(ctx.sessions) as session:
        for i in range(count):
            reviews.save_setting(session, "T1", f"P{i}", True, "00:00", due)
            for q in question_ids:
                reviews.save_card(session, ReviewCardRecord("T1", f"P{i}", q, 2, None, 1.0, 5.0, due, due, 1, 0))


@pytest.mark.parametrize("fault", ["acted_then_drop", "drop"], ids=["slack-posted", "slack-did-not"])
def test_a_review_dm_whose_answer_was_lost_arrives_once(ctx, fake_slack, clock, fault):
    """Exactly once, as for the quiz: a DM whose fate Slack's lost answer hides is looked for in the DM's history
    (the day's claim id rides in the message metadata) and sent again only when it is not there."""
    seed_due_people(ctx, 1)
    clock.now = datetime(2026, 3, 3, 10, 0)
    fake_slack.fault("chat.postMessage", fault)
    [first] = delivery.post_due(ctx)
    assert "looked for before any second send" in first, first
    assert delivery.resolve_unsure(ctx) == []  # too early: a send's retries may still be running
    clock.advance(minutes=3)
    [resolved] = delivery.resolve_unsure(ctx)
    assert ("found" in resolved) if fault == "acted_then_drop" else ("sent" in resolved), resolved
    [dm] = [m for m in fake_slack.messages("DP0") if m.get("blocks")]
    assert dm["metadata"]["event_type"] == delivery.REVIEW_EVENT
    clock.advance(minutes=3)
    assert delivery.resolve_unsure(ctx) == [] and delivery.post_due(ctx) == []
    assert len([m for m in fake_slack.messages("DP0") if m.get("blocks")]) == 1


def test_review_off_stops_them(ctx, slack, fake_slack, clock):
    question_id = answer_practice(ctx, slack, fake_slack, right=False)
    slack.command("review on 09:00")
    reply = slack.command("review off").json()
    assert "off" in reply["text"]
    clock.now = datetime(2026, 3, 3, 10, 0)
    assert delivery.post_due(ctx) == []
    assert dms(fake_slack) == []
    assert card(ctx, question_id) is not None  # the cards are kept for when they come back


def test_an_undeliverable_dm_switches_the_person_off(ctx, slack, fake_slack, clock, caplog):
    answer_practice(ctx, slack, fake_slack, right=False)
    slack.command("review on 09:00")
    fake_slack.failing["chat.postMessage"] = "cannot_dm_bot"
    clock.now = datetime(2026, 3, 3, 10, 0)
    assert delivery.post_due(ctx) == ["U1: cannot be reached (cannot_dm_bot); reviews switched off"]
    assert "cannot_dm_bot" in caplog.text
    for _ in range(3):  # no storm: neither later today nor on the next days
        clock.advance(days=1)
        assert delivery.post_due(ctx) == []
    assert len(fake_slack.of("chat.postMessage")) == 1
    with ctx.sessions() as s:
        setting = s.get(ReviewSetting, ("T1", "U1"))
        assert (setting.enabled, setting.stopped_reason) == (False, "cannot_dm_bot")
    assert "switched them off because I wasn't allowed to send you a DM" in slack.command("review").json()["text"]


def test_a_person_slack_cannot_find_is_switched_off_before_any_message(ctx, fake_slack, clock):
    seed_due_people(ctx, 2)
    fake_slack.failing["conversations.open"] = "user_not_found"
    assert sorted(delivery.post_due(ctx)) == [
        f"P{i}: cannot be reached (user_not_found); reviews switched off" for i in range(2)
    ]
    assert fake_slack.of("chat.postMessage") == []
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).where(ReviewSetting.enabled.is_(True))) == 0


def test_nothing_is_sent_to_anyone_not_opted_in(ctx, slack, fake_slack, clock):
    answer_practice(ctx, slack, fake_slack, right=False)  # a card, but no consent
    for _ in range(5):
        clock.advance(days=1)
        assert delivery.post_due(ctx) == []
    assert fake_slack.of("conversations.open") == [] and dms(fake_slack) == []


def test_export_and_forget_cover_the_review_state(ctx, slack, fake_slack, clock):
    question_id = answer_practice(ctx, slack, fake_slack, right=False)
    slack.command("review on 08:15")
    ctx.background.drain(10)
    clock.now = datetime(2026, 3, 3, 9, 0)
    delivery.post_due(ctx)
    document = privacy.export_person(ctx, "T1", "U1")
    review = document["reviews"]
    assert review["opted_in"] is True and review["review_time"] == "08:15"
    [exported] = review["cards"]
    assert exported["question_id"] == question_id and exported["due"].startswith("2026-03-03")
    assert [d["outcome"] for d in review["review_days"]] == ["sent"]
    forgotten = privacy.forget_user(ctx, "T1", "U1")
    assert forgotten.removed["review_cards"] == 1 and forgotten.removed["review_settings"] == 1
    assert forgotten.removed["review_days"] == 1
    with ctx.sessions() as s:
        for model in (ReviewCard, ReviewDay, ReviewSetting):
            assert s.scalar(select(func.count()).select_from(model)) == 0


def test_app_home_shows_reviews_and_switches_them(ctx, slack, fake_slack, clock):
    from tests.slack_requests import click, find_element

    slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="Ev1")
    [published] = fake_slack.wait_for("views.publish")
    blocks = published.params["view"]["blocks"]
    block, button = find_element(blocks, "home_review_on")
    assert slack.block_action(click(block, button, response_url="")).status == 200
    [_, again] = fake_slack.wait_for("views.publish", 2)
    assert "Personal reviews are on" in str(again.params["view"]["blocks"])
    find_element(again.params["view"]["blocks"], "home_review_off")
    with ctx.sessions() as s:
        assert s.get(ReviewSetting, ("T1", "U1")).enabled is True


def test_a_bad_review_time_gets_a_clear_message(slack):
    reply = slack.command("review on 25:00").json()
    assert "That time won't work" in reply["text"]


def check_oldest_due_first(ctx) -> None:
    base = datetime(2026, 3, 1)
    with transaction(ctx.sessions) as session:
        for user, offsets in (("A", [5, 1, 3, 2, 9]), ("B", [1]), ("C", [])):
            for n, days in enumerate(offsets):
                due = base + timedelta(days=days)
                reviews.save_card(session, ReviewCardRecord("T1", user, f"q{n}", 2, None, 1.0, 5.0, due, base, 1, 0))
    before = base + timedelta(days=6)
    wanted = [("T1", "A", before), ("T1", "B", base), ("T1", "C", before), ("T2", "A", before)]
    live = {f"q{n}" for n in range(5)}
    with reading(ctx.sessions) as session:
        assert reviews.due_question_ids(session, wanted, live) == [["q1", "q3", "q2"], [], [], []]
        # a retired question's card is never due: the next oldest live cards take its place
        assert reviews.due_question_ids(session, wanted[:1], live - {"q1"}) == [["q3", "q2", "q0"]]


def test_due_cards_are_the_three_oldest_due_per_person(ctx):
    check_oldest_due_first(ctx)


def test_cards_of_retired_questions_do_not_block_the_live_ones(ctx, slack, fake_slack, clock):
    """Cards whose question left the bank are the oldest due forever; they must neither fill the day's three
    places (the day claimed `nothing due`) nor count in `/tutor review`."""
    live, old = ctx.bank.questions[0].id, datetime(2001, 1, 1)
    with transaction(ctx.sessions) as session:
        reviews.save_setting(session, "T1", "U1", True, "00:00", old)
        for n in range(3):
            reviews.save_card(session, ReviewCardRecord("T1", "U1", f"retired-{n}", 2, None, 1.0, 5.0, old, old, 1, 0))
        due = datetime(2002, 1, 1)
        reviews.save_card(session, ReviewCardRecord("T1", "U1", live, 2, None, 1.0, 5.0, due, due, 1, 0))
    clock.now = datetime(2026, 3, 3, 10, 0)
    status = slack.command("review").json()["text"]
    assert "1 question(s) due now" in status and "You have 1 card(s)" in status, status
    assert delivery.post_due(ctx) == ["U1: sent 1 card(s)"]
    [dm] = dms(fake_slack)
    assert _question_id(dm.params["blocks"], "review") == live


def test_a_time_budget_leaves_the_rest_for_the_next_tick(ctx, fake_slack, clock):
    """A slow Slack must not hold the scheduler's tick: once the budget is spent, nobody else is claimed, and
    the next call sends to the people left, one DM each. At least one person goes out per call, whatever the
    budget, so the queue always moves."""
    seed_due_people(ctx, 3)
    clock.now = datetime(2026, 3, 3, 10, 0)
    fake_slack.latency_by_method["chat.postMessage"] = 0.2  # each send outlasts the whole budget
    reports = [delivery.post_due(ctx, budget_seconds=0.1) for _ in range(3)]
    assert all(len([line for line in r if line.endswith("sent 2 card(s)")]) == 1 for r in reports), reports
    assert [r[1:] for r in reports] == [["2 more left for the next tick"], ["1 more left for the next tick"], []]
    assert delivery.post_due(ctx, budget_seconds=0.1) == []
    assert sorted(c.params["channel"] for c in fake_slack.of("chat.postMessage")) == ["DP0", "DP1", "DP2"]


def test_the_scheduler_gives_review_dms_a_time_budget():
    from bot.services.operations import scheduler

    assert delivery.post_due not in scheduler.STEPS
    assert 0 < scheduler.REVIEW_BUDGET_SECONDS < 60  # /readyz wants a tick within 60 s


def test_a_second_click_on_a_review_card_is_not_graded_again(ctx, slack, fake_slack, clock):
    """Only the first answer on a card counts; a second click must say so, not show a fresh verdict."""
    question_id = answer_practice(ctx, slack, fake_slack, right=False)
    slack.command("review on 09:00")
    ctx.background.drain(10)
    clock.now = datetime(2026, 3, 3, 9, 30)
    assert delivery.post_due(ctx) == ["U1: sent 1 card(s)"]
    [dm] = dms(fake_slack)
    question = ctx.bank.questions_by_id[question_id]
    replies = []
    for n in range(2):
        before = len(fake_slack.of("response_url"))
        payload = answer_click(
            dm.params["blocks"],
            min(question.correct_indexes),
            prefix="review",
            channel="DU1",
            message_ts="1772500000.000100",
            response_url=fake_slack.response_url(f"again{n}"),
        )
        if len(question.correct_indexes) > 1:
            options = [{"value": str(i)} for i in sorted(question.correct_indexes)]
            payload["state"] = {"values": {f"review:{question_id}": {"review_boxes": {"selected_options": options}}}}
        assert slack.block_action(payload).status == 200
        replies.append(fake_slack.wait_for("response_url", before + 1)[before].params)
    assert "already answered" not in replies[0]["text"], replies[0]
    assert replies[1]["text"] == "You already answered this one; only your first answer counts.", replies[1]
    assert "blocks" not in replies[1]
    assert card(ctx, question_id).reviews == 2  # the practice answer, then the first review click only


def test_a_time_zone_slack_would_not_give_at_switch_on_is_learned_at_the_first_review(ctx, slack, fake_slack, clock):
    """users.info failing once must not leave the person on UTC for good: each review DM asks again until Slack
    answers, so the days after follow the person's own clock."""
    fake_slack.users["U1"] = NEW_YORK
    answer_practice(ctx, slack, fake_slack, right=False)  # Monday 08:00 UTC
    fake_slack.fault("users.info", "error", times=1, error="internal_error")
    before = len(fake_slack.of("response_url"))
    slack.command("review on 07:30", response_url=fake_slack.response_url("on"))
    [confirm] = fake_slack.wait_for("response_url", before + 1)[before:]
    assert "UTC" in confirm.params["text"]
    with reading(ctx.sessions) as s:
        assert reviews.get_setting(s, "T1", "U1").tz is None
    clock.now = datetime(2026, 3, 3, 7, 31)  # Tuesday 07:31 UTC: the first review goes out on UTC's clock
    assert delivery.post_due(ctx) == ["U1: sent 1 card(s)"]
    with reading(ctx.sessions) as s:
        assert reviews.get_setting(s, "T1", "U1").tz == "America/New_York"
    assert "on, daily at 07:30 (America/New_York)" in slack.command("review").json()["text"]


def test_a_days_claim_is_looked_up_for_one_person_of_one_workspace(ctx, clock):
    day = clock.now.date()
    with transaction(ctx.sessions) as s:
        assert reviews.claim_day(s, "T1", "U1", day, clock.now, [], delivery.NOTHING_DUE) is not None
    with reading(ctx.sessions) as s:
        assert reviews.day_claimed(s, "T1", "U1", day)
        assert not reviews.day_claimed(s, "T2", "U1", day)  # the same user id in another workspace
        assert not reviews.day_claimed(s, "T1", "U2", day)
        assert not reviews.day_claimed(s, "T1", "U1", day + timedelta(days=1))
