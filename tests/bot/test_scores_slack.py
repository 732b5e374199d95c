"""A few simulated quiz days in the fake Slack; leaderboards, App Home and the CSV export must agree."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.services.people import export
from bot.services.quiz import channels, posting, reveals
from bot.services.quiz.answering import Click, answer_daily
from bot.services.scores import leaderboards
from bot.tutor.scoring import answer_points
from storage.models import Answer, QuizPost
from tests.slack_requests import click, find_element

USERS = ["U1", "U2", "U3", "U4", "U5", "U6"]
TEAMS = {"U1": "Ops", "U2": "ops", "U3": "OPS", "U4": "Research", "U5": "Research"}  # U6 plays alone
# Who answers right (True), wrong (False) or not at all (missing), day by day.
PATTERN = [
    {"U1": True, "U2": True, "U3": False, "U4": True, "U5": True, "U6": True},
    {"U1": True, "U2": False, "U4": True, "U6": True},
    {"U1": True, "U2": True, "U3": True, "U4": False, "U5": True},
    {"U1": False, "U3": True, "U4": True, "U6": False},
    {"U1": True, "U2": True, "U5": False, "U6": True},
    {"U1": True, "U4": True, "U5": True},  # the next Monday
]
DAYS = [datetime(2026, 3, d, 8, 5) for d in (2, 3, 4, 5, 6, 9)]  # 09:05 Berlin, Mon-Fri then Monday


def tutor(slack, text: str, user: str = "U1") -> str:
    """Run a /tutor command answered in its ack; return the reply's text."""
    response = slack.command(text, user=user)
    assert response.status == 200
    return response.json()["text"]


def answer(slack, fake_slack, post, blocks, question, user: str, right: bool) -> None:
    correct = sorted(question.correct_indexes)
    wrong = [i for i in range(len(question.options)) if i not in question.correct_indexes]
    if question.kind == "multi":
        block, submit = find_element(blocks, "quiz_submit")
        _, boxes = find_element(blocks, "quiz_boxes")
        chosen = correct if right else wrong[:1]
        state = {block["block_id"]: {"quiz_boxes": {"selected_options": [boxes["options"][i] for i in chosen]}}}
        element = submit
    else:
        block, element = find_element(blocks, f"quiz_pick:{correct[0] if right else wrong[0]}")
        state = None
    payload = click(
        block,
        element,
        user=user,
        channel=post.channel_id,
        message_ts=post.message_ts,
        response_url=fake_slack.response_url(),
        state=state,
    )
    before = len(fake_slack.of("response_url"))
    assert slack.block_action(payload).status == 200
    assert "already" not in fake_slack.wait_for("response_url", before + 1)[before].params["text"]


@pytest.fixture
def played(ctx, client, fake_slack, slack, clock):
    for user, team in TEAMS.items():
        assert "You're in team" in tutor(slack, f"team join {team}", user=user)
    channels.save_channel(ctx, "T1", "C1", "09:00", "Europe/Berlin", "mon-fri", "8h")
    for day, pattern in zip(DAYS, PATTERN, strict=True):
        clock.now = day
        posted = len(fake_slack.of("chat.postMessage"))
        assert "posted" in posting.post_due(ctx)[0]
        blocks = next(c for c in fake_slack.of("chat.postMessage")[posted:] if "Daily quiz" in c.params["text"])
        with ctx.sessions() as s:
            post = s.scalars(select(QuizPost).order_by(QuizPost.id.desc())).first()
        question = ctx.bank.questions_by_id[post.question_id]
        for user, right in pattern.items():
            clock.advance(seconds=7)
            answer(slack, fake_slack, post, blocks.params["blocks"], question, user, right)
        clock.advance(hours=9)
        assert reveals.close_due(ctx) == 1
    clock.now = datetime(2026, 3, 10, 11, 0)  # Tuesday of week two
    return ctx


def expected_points(sessions, since: datetime | None = None) -> dict[str, float]:
    """Recompute every person's points in Python, straight from the stored answers and the rules."""
    totals: dict[str, float] = {}
    with sessions() as s:
        for a in s.scalars(select(Answer)):
            if since is None or a.answered_at >= since:
                totals[a.user_id] = totals.get(a.user_id, 0) + answer_points(
                    a.difficulty, a.credit, a.correct_order, a.practice
                )
    return totals


def test_leaderboards_home_and_export_agree(played, slack, fake_slack, sessions, client):
    ctx = played
    expected = expected_points(sessions)
    assert len(expected) == 6

    fake_slack.reset()
    slack.command("leaderboard all", user="U1", response_url=fake_slack.response_url("all"))
    [board_call] = fake_slack.wait_for("response_url")
    board_text = json.dumps(board_call.params["blocks"])
    people = leaderboards.leaderboard(ctx, None, "T1", "all")
    assert [r.points for r in people.rows] == sorted((r.points for r in people.rows), reverse=True)
    for row in people.rows:
        assert row.points == pytest.approx(expected[row.key])
        assert f"*{row.name}*  {row.points:.0f} pts" in board_text
    u1 = next(r for r in people.rows if r.key == "U1")
    assert u1.streak == 6  # Monday to Friday, the weekend, and Monday again
    assert u1.accuracy == pytest.approx(5 / 6)

    # Teams: Ops (U1-U3, joined with three spellings) and Research (U4, U5); U6 plays alone.
    slack.command("leaderboard week teams", user="U1", response_url=fake_slack.response_url("teams"))
    teams_call = fake_slack.wait_for("response_url", 2)[1]
    week_start = datetime(2026, 3, 8, 23, 0)  # Monday 9 March 00:00 Berlin
    week = expected_points(sessions, since=week_start)
    ops = sum(week.get(u, 0) for u in ("U1", "U2", "U3")) / 3  # one active member, divided as three
    research = sum(week.get(u, 0) for u in ("U4", "U5")) / 3
    team_board = leaderboards.leaderboard(ctx, None, "T1", "week", teams=True, channel_id="C1")
    assert {r.name: round(r.points, 3) for r in team_board.rows} == {
        "Ops": round(ops, 3),
        "Research": round(research, 3),
    }
    assert "Research" in json.dumps(teams_call.params["blocks"])

    # App Home for U1: same points and rank as the all-time board.
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, event_id="EvHome")
    [publish] = fake_slack.wait_for("views.publish")
    view = publish.params["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    home = json.dumps(view)
    assert f"*Points*\\n{u1.points:.0f}" in home and f"#{u1.rank} of 6" in home
    assert "*Streak*\\n6 quiz days" in home
    for block in view["blocks"]:
        for text in [block.get("text", {}).get("text", "")] + [f["text"] for f in block.get("fields", [])]:
            assert len(text) <= 3000

    # CSV export: the same numbers again.
    rows = list(csv.DictReader(io.StringIO(export.export_csv(ctx, None, "T1"))))
    assert {r["user_id"]: float(r["points"]) for r in rows} == {u: round(p, 1) for u, p in expected.items()}
    assert next(r for r in rows if r["user_id"] == "U1")["team"] == "Ops"
    assert next(r for r in rows if r["user_id"] == "U1")["streak"] == "6"


def test_weekly_summary_posted_on_the_first_quiz_day_of_the_week(played, fake_slack):
    summaries = [c for c in fake_slack.of("chat.postMessage") if c.params["text"] == "Last week's quiz leaderboard"]
    assert len(summaries) == 1  # Monday 9 March only; week one had no previous week
    assert "week of 02 Mar" in json.dumps(summaries[0].params["blocks"])


def test_display_names_are_fetched_once_per_person_per_day(played, slack, fake_slack, clock):
    fake_slack.reset()
    for n in range(3):
        slack.command("leaderboard all", user="U1", response_url=fake_slack.response_url(f"n{n}"))
        fake_slack.wait_for("response_url", n + 1)
    calls = [c.params["user"] for c in fake_slack.of("users.info")]
    assert sorted(calls) == USERS  # names cached on Monday are a day old: each refreshed once, not per view
    clock.advance(hours=12)
    slack.command("leaderboard all", user="U1", response_url=fake_slack.response_url("same-day"))
    fake_slack.wait_for("response_url", 4)
    assert len(fake_slack.of("users.info")) == 6
    clock.advance(days=1)
    slack.command("leaderboard all", user="U1", response_url=fake_slack.response_url("next-day"))
    fake_slack.wait_for("response_url", 5)
    calls = [c.params["user"] for c in fake_slack.of("users.info")]
    assert sorted(calls) == sorted(USERS * 2)  # a day later each is refreshed once more


def test_team_names_are_validated(slack):
    assert "won't work" in tutor(slack, "team join x")
    assert "won't work" in tutor(slack, "team join <!channel>")
    assert "won't work" in tutor(slack, "team join " + "a" * 31)
    assert "You're in team *Data Wizards*" in tutor(slack, "team join   Data   Wizards ")
    listing = tutor(slack, "team list")
    assert "Data Wizards" in listing and "1 member" in listing
    assert "You left" in tutor(slack, "team leave")
    assert "No teams yet" in tutor(slack, "team list")  # empty teams are kept but never listed
    assert "You're in team *Data Wizards*" in tutor(slack, "team join data wizards")  # same team


def test_stats_command(played, slack, sessions):
    body = slack.command("stats", user="U4").json()
    u4 = next(r for r in leaderboards.leaderboard(played, None, "T1", "all").rows if r.key == "U4")
    assert u4.points == pytest.approx(expected_points(sessions)["U4"]) and u4.points > 0
    fields = [f["text"] for f in body["blocks"][0]["fields"]]
    assert fields[0] == f"*Points*\n{u4.points:.0f}"
    assert fields[1] == f"*Rank (all time)*\n#{u4.rank} of 6"
    assert fields[3].startswith(f"*Accuracy*\n{round(u4.accuracy * 100)}% of ")
    assert fields[4].startswith("*Team*\nResearch")


def test_running_totals_match_a_rebuild_from_the_answers(played, sessions):
    from storage.db import transaction
    from storage.models import ScoreTotal
    from storage.repos import totals

    def snapshot():
        with sessions() as s:
            return {
                (t.user_id): (t.answers, t.correct, round(t.weighted_credit, 6), t.first, t.second, t.third)
                for t in s.scalars(select(ScoreTotal))
            }

    running = snapshot()
    with transaction(sessions) as session:
        assert totals.rebuild(session) == 6
    assert snapshot() == running
    assert sum(first for *_, first, _, _ in running.values()) == 6  # one fastest correct answer per day


def answer_directly(ctx, user: str, right: bool) -> None:
    """Answer the newest post through the service (the HTTP path is covered above)."""
    with ctx.sessions() as s:
        post = s.scalars(select(QuizPost).order_by(QuizPost.id.desc())).first()
    question = ctx.bank.questions_by_id[post.question_id]
    wrong = [i for i in range(len(question.options)) if i not in question.correct_indexes]
    chosen = question.correct_indexes if right else frozenset(wrong[:1])
    click = Click("T1", user, post.channel_id, post.message_ts, None, post.id, frozenset(chosen))
    assert answer_daily(ctx, click).recorded


def test_streak_survives_a_weekend_and_a_dst_change(ctx, client, clock):
    channels.save_channel(ctx, "T1", "C1", "09:00", "Europe/Berlin", "mon-fri")
    # Thu 26 and Fri 27 March (CET, 08:00 UTC), the clocks go forward on Sunday 29, Mon 30 March (CEST, 07:00 UTC)
    for day in (datetime(2026, 3, 26, 8, 1), datetime(2026, 3, 27, 8, 1), datetime(2026, 3, 30, 7, 1)):
        clock.now = day
        assert "posted" in posting.post_due(ctx)[0]
        answer_directly(ctx, "U1", right=False)  # the streak counts answering at all
        if day.day != 30:
            answer_directly(ctx, "U2", right=True)
        clock.advance(hours=9)
        reveals.close_due(ctx)
    assert leaderboards.streaks(ctx, "T1", ["U1", "U2"], "C1") == {"U1": 3, "U2": 0}
    clock.now = datetime(2026, 3, 31, 7, 1)  # Tuesday's quiz is open and U1 has not answered yet
    posting.post_due(ctx)
    assert leaderboards.streaks(ctx, "T1", ["U1"], "C1") == {"U1": 3}


def test_asker_outside_the_top_ten_sees_their_own_rank(ctx, client, clock):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    for n in range(12):
        clock.advance(seconds=5)
        answer_directly(ctx, f"U{n:02d}", right=n < 11)  # U11 is the only one wrong
    board = leaderboards.leaderboard(ctx, None, "T1", "all", asker="U11")
    assert len(board.rows) == 10 and board.you is not None
    assert (board.you.key, board.you.rank, board.you.points) == ("U11", 12, 0)
    tied = {r.rank for r in board.rows}
    assert tied == {1}  # eleven equal scores share rank 1 before the post closes (no bonus yet)
    clock.advance(hours=9)
    reveals.close_due(ctx)
    ranks = [r.rank for r in leaderboards.leaderboard(ctx, None, "T1", "all").rows]
    assert ranks == [1, 2, 3] + [4] * 7  # fast bonuses split the first three; the other eight share 4th


def test_export_fetches_many_names_in_pages_and_keeps_formulas_out(ctx, client, fake_slack, clock):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    posting.post_due(ctx)
    for n in range(30):
        user = f"U{n:02d}"
        name = '=HYPERLINK("http://x")' if n == 7 else f"Person {n}"
        fake_slack.users[user] = {"id": user, "name": user.lower(), "profile": {"display_name": name}}
        answer_directly(ctx, user, right=True)
    rows = list(csv.DictReader(io.StringIO(export.export_csv(ctx, client, "T1"))))
    assert len(rows) == 30
    assert len(fake_slack.of("users.list")) == 2 and fake_slack.of("users.info") == []  # 2 pages, 0 per-person calls
    by_id = {r["user_id"]: r["person"] for r in rows}
    assert by_id["U03"] == "Person 3"
    assert by_id["U07"].startswith("'=")  # a spreadsheet shows it as text, never runs it
