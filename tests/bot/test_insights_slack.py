"""Team insights through the served app against the fake Slack: /tutor insights, the weekly post (channel and
DM) with its chart uploaded through files_upload_v2, the privacy rule for groups under 3, and `lab2prod insights`."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from PIL import Image

from bot.services.learning import insights, weekly
from bot.services.people.privacy import export_person, forget_user
from bot.services.quiz import channels, posting
from bot.services.runtime.context import utc_now
from storage.db import transaction
from storage.records import AnswerRecord
from storage.repos import answers
from tests.cli_runs import run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NOW = datetime(2026, 3, 9, 8, 0)  # a Monday, 09:00 in Berlin


def seed(ctx, users, topic: str, right: int, *, channel="C1", workspace="T1", days_ago=1, base=NOW) -> None:
    """Each user answers one question of `topic` (`right` of them correctly), `days_ago` days before `base`."""
    q = next(q for q in ctx.bank.questions if q.topic == topic)
    with transaction(ctx.sessions) as session:
        for i, user in enumerate(users):
            at = base - timedelta(days=days_ago, minutes=i)
            answers.add_answer(
                session,
                AnswerRecord(
                    workspace,
                    user,
                    q.id,
                    q.topic,
                    q.difficulty,
                    frozenset({0}),
                    float(i < right),
                    i < right,
                    at,
                    channel_id=channel,
                ),
            )


def ask(slack, fake_slack, text: str, **kw) -> str:
    before = len(fake_slack.of("response_url"))
    assert slack.command(text, response_url=fake_slack.response_url(f"r{before}"), **kw).status == 200
    reply = fake_slack.wait_for("response_url", before + 1)[before].params
    assert reply["response_type"] == "ephemeral"
    return reply["text"] + "\n" + json.dumps(reply["blocks"], ensure_ascii=False)


@pytest.fixture
def monday(clock):
    clock.now = NOW
    return clock


def test_tutor_insights_shows_real_figures_against_last_week(ctx, slack, fake_slack, monday):
    people = ["U1", "U2", "U3", "U4"]
    seed(ctx, people, "drift", right=1)  # this week: 1 of 4 right
    seed(ctx, people, "drift", right=3, days_ago=8)  # the week before: 3 of 4
    seed(ctx, people[:3], "data", right=3)
    seed(ctx, ["U5"], "data", right=1, days_ago=30)  # answered here once, long ago
    text = ask(slack, fake_slack, "insights")
    # 4 of 5 would single out the one who did not take part
    assert "Most of the 5 people who have ever answered" in text and "4 of the 5" not in text
    assert "Drift" in text and "25% (▼ -50 pts from 75%)" in text
    assert "1. " in text and "most missed" in text  # drift's question, missed by 3 of 4
    assert "U1" not in text and "U2" not in text  # no figure names a person
    # month covers the answer from 30 days ago too: 5 people took part
    assert "5 of the 5 people" in ask(slack, fake_slack, "insights month")


def test_two_people_get_no_figures_three_do(ctx, slack, fake_slack, monday):
    seed(ctx, ["U1", "U2"], "cost", right=1)
    text = ask(slack, fake_slack, "insights")
    assert "Fewer than 3 people" in text and "%" not in text
    seed(ctx, ["U3"], "cost", right=1)
    text = ask(slack, fake_slack, "insights")
    assert "3 of the 3 people" in text and "67%" in text


def test_a_topic_of_two_people_is_left_out_beside_shown_ones(ctx, slack, fake_slack, monday):
    seed(ctx, ["U1", "U2", "U3"], "drift", right=2)
    seed(ctx, ["U1", "U2"], "latency", right=0)
    text = ask(slack, fake_slack, "insights")
    assert "67%" in text and "1 more topic(s) answered by fewer than 3 people" in text
    assert "Latency" not in text


def test_a_team_and_another_workspace(ctx, slack, fake_slack, monday):
    for user in ("U1", "U2", "U3"):
        assert slack.command("team join Ops", user=user).status == 200
    seed(ctx, ["U1", "U2", "U3", "U4"], "data", right=4, channel="C9")
    assert "3 of the 3 people" in ask(slack, fake_slack, "insights team ops")
    assert "no team called" in ask(slack, fake_slack, "insights team nobody")
    # T2 asks about the same channel id: it sees none of T1's answers
    assert "Fewer than 3 people have answered" in ask(slack, fake_slack, "insights", channel="C9", team="T2")


def test_weekly_post_in_a_channel_with_the_chart_once(ctx, slack, fake_slack, monday):
    people = ["U1", "U2", "U3", "U4"]
    for week in range(1, 4):
        seed(ctx, people, "drift", right=week, days_ago=7 * week - 3)
        seed(ctx, people, "data", right=4 - week, days_ago=7 * week - 3)
    channels.save_channel(ctx, "T1", "C1", "09:00", "Europe/Berlin", "mon-fri", "8h")
    assert weekly.send_weekly(ctx) == 0  # insights are off for C1
    insights.set_channel_insights(ctx, "C1", True)
    assert weekly.send_weekly(ctx) == 0  # not before the week's first quiz
    assert "posted" in posting.post_due(ctx)[0]
    assert weekly.send_weekly(ctx) == 1
    assert weekly.send_weekly(ctx) == 0
    post = [
        m for m in fake_slack.messages("C1") if (m.get("metadata") or {}).get("event_type") == weekly.INSIGHTS_EVENT
    ]
    assert len(post) == 1 and "4 of the 4 people" in json.dumps(post[0]["blocks"])
    assert [c.method for c in fake_slack.calls if "ile" in c.method or c.method == "upload"] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    file_id = fake_slack.of("upload")[0].params["file_id"]
    png = fake_slack.uploads[file_id]
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.size == (800, 450)
    shared = [m for m in fake_slack.messages("C1") if m.get("files")]
    assert len(shared) == 1 and shared[0]["files"][0]["id"] == file_id


def test_weekly_dm_on_off_and_export_forget(ctx, slack, fake_slack, monday):
    seed(ctx, ["U1", "U2", "U3"], "drift", right=2, days_ago=3)
    monday.now = NOW - timedelta(hours=1)  # Monday 08:00 UTC: before 09:00 nothing is due
    assert "Every Monday" in slack.command("insights weekly on").json()["text"]
    assert weekly.send_weekly(ctx) == 0
    monday.now = NOW + timedelta(hours=1)
    assert weekly.send_weekly(ctx) == 1 and weekly.send_weekly(ctx) == 0
    assert fake_slack.of("conversations.open")[0].params["users"] == "U1"
    dm = [m for m in fake_slack.messages("DU1") if m.get("blocks")]
    assert len(dm) == 1 and "3 of the 3 people" in json.dumps(dm[0]["blocks"])
    assert fake_slack.uploads and fake_slack.of("files.completeUploadExternal")[0].params["channel_id"] == "DU1"
    exported = export_person(ctx, "T1", "U1")
    assert exported["insights_weekly"]["channel_id"] == "C1"
    [sent] = exported["insights_weekly_dms"]  # what forget-user deletes, export shows
    assert sent["week_start"] == "2026-03-09" and sent["message_ts"] == dm[0]["ts"] and sent["chart_file_id"]
    assert "off" in slack.command("insights weekly off").json()["text"]
    monday.now += timedelta(days=7)
    assert weekly.send_weekly(ctx) == 0
    assert slack.command("insights weekly on", user="U7").status == 200
    forgotten = forget_user(ctx, "T1", "U7")
    assert forgotten.removed["insight_subscriptions"] == 1
    assert export_person(ctx, "T1", "U7") is None


@pytest.mark.parametrize("where", ["conversations.open", "chat.postMessage"])
def test_a_weekly_dm_that_cannot_be_delivered_switches_the_person_off(ctx, slack, fake_slack, monday, where):
    """Consent and no retry storm: a person Slack cannot reach is unsubscribed at once, as for reviews."""
    seed(ctx, ["U1", "U2", "U3"], "drift", right=2, days_ago=3)
    assert "Every Monday" in slack.command("insights weekly on").json()["text"]
    fake_slack.fault(where, "error", times=None, error="cannot_dm_bot")
    monday.now = NOW + timedelta(hours=1)
    assert weekly.send_weekly(ctx) == 0
    assert export_person(ctx, "T1", "U1")["insights_weekly"] is None
    monday.now += timedelta(days=7)
    calls = len(fake_slack.of(where))
    assert weekly.send_weekly(ctx) == 0 and len(fake_slack.of(where)) == calls  # never tried again


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("chat.postMessage", "invalid_blocks"),
        ("chat.postMessage", "msg_too_long"),
        ("chat.postMessage", "no_permission"),
        ("conversations.open", "missing_scope"),
    ],
)
def test_a_plainly_refused_weekly_dm_is_not_retried_every_tick(ctx, slack, fake_slack, monday, where, error):
    """A refusal that is neither a lost answer nor a rate limit will not change in two minutes: the week's send
    ends there (the person stays subscribed for next week)."""
    seed(ctx, ["U1", "U2", "U3"], "drift", right=2, days_ago=3)
    assert "Every Monday" in slack.command("insights weekly on").json()["text"]
    fake_slack.fault(where, "error", times=None, error=error)
    monday.now = NOW + timedelta(hours=1)
    assert weekly.send_weekly(ctx) == 0
    calls = len(fake_slack.of(where))
    for _ in range(3):
        monday.now += timedelta(minutes=3)
        assert weekly.send_weekly(ctx) == 0
    assert len(fake_slack.of(where)) == calls
    assert export_person(ctx, "T1", "U1")["insights_weekly"] is not None


def test_a_rate_limited_weekly_dm_is_tried_again(ctx, slack, fake_slack, monday):
    seed(ctx, ["U1", "U2", "U3"], "drift", right=2, days_ago=3)
    assert "Every Monday" in slack.command("insights weekly on").json()["text"]
    fake_slack.fault("chat.postMessage", "error", times=1, error="ratelimited")
    monday.now = NOW + timedelta(hours=1)
    assert weekly.send_weekly(ctx) == 0
    monday.now += timedelta(minutes=3)
    assert weekly.send_weekly(ctx) == 1
    assert len([m for m in fake_slack.messages("DU1") if m.get("blocks")]) == 1


def test_cli_prints_the_figures_and_writes_the_chart(ctx, db_url, tmp_path):
    seed(ctx, ["U1", "U2", "U3"], "drift", right=2, days_ago=3, base=utc_now())  # the command reads the real clock
    out = tmp_path / "chart.png"
    done = run("insights", "--channel", "C1", "--workspace", "T1", "--png", str(out), env={"DATABASE_URL": db_url})
    assert done.returncode == 0, done.stderr
    assert "3 of the 3 people" in done.stdout and "Drift:" in done.stdout
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert Image.open(out).format == "PNG"
    none = run("insights", "--channel", "C2", "--workspace", "T1", env={"DATABASE_URL": db_url})
    assert none.returncode == 0 and "Fewer than 3 people" in none.stdout
