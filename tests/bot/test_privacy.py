"""Privacy: forget a person, export a person's data, purge uninstalled workspaces; totals recounted after each.

Two workspaces play a few quiz days through the real services; then every table is read before and after,
so "their rows are gone and nobody else's changed" is checked row by row, not sampled."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import column, insert, literal_column, select, table, update

from bot.services.asking import questions, suggestions
from bot.services.asking.questions import Asked
from bot.services.learning import delivery, reviews
from bot.services.people import privacy
from bot.services.quiz import channels, posting, practice, reveals
from bot.services.quiz.answering import Click, answer_daily
from bot.services.scores import leaderboards, names, teams, totals
from bot.tutor.scoring import answer_points
from storage.db import transaction
from storage.models import (
    Answer,
    Base,
    InsightPost,
    InsightSubscription,
    ProcessedEvent,
    QuizPost,
    ScoreTotal,
    Workspace,
)
from storage.records import AnswerRecord
from storage.repos import answers, inbox
from storage.repos.privacy import SLACK_TABLES
from tests.cli_runs import run

FORGOTTEN = "U2"
# Per workspace and day, who answers, in this order, right (True) or wrong (False).
PLAY = {
    "T1": [
        [("U2", True), ("U1", True), ("U3", False), ("U4", True)],  # U2 is first; U1 second, U4 third
        [("U1", True), ("U2", True), ("U3", True), ("U4", True)],  # U2 second; U4 fourth, no bonus
        [("U3", True), ("U2", False), ("U4", True)],
    ],
    "T2": [[("U7", True), ("U2", True)], [("U2", True)], [("U7", False)]],  # U2 plays in T2 as well
}
CHANNEL = {"T1": "C1", "T2": "C2"}
TEAMS = {("T1", "U1"): "Ops", ("T1", "U2"): "ops", ("T1", "U3"): "Research", ("T2", "U2"): "Ops"}
DAYS = [datetime(2026, 3, d, 8, 5) for d in (2, 3, 4)]
OPEN_DAY = datetime(2026, 3, 5, 8, 5)  # a post still open when U2 is forgotten
INSTALLED = datetime(2026, 1, 5, 12, 0)
SLACK_TABLE_NAMES = [t.name for t in SLACK_TABLES]


def slack_table(name: str) -> Any:
    columns = ["client_id", "app_id", "team_id", "bot_token", "installed_at"]
    return table(name, *(column(c) for c in [*columns, *(["user_id"] if name == "slack_installations" else [])]))


@dataclass(frozen=True)
class World:
    open_post: int
    people: dict[str, list[str]]


def choose(ctx, post_id: int, right: bool) -> frozenset[int]:
    with ctx.sessions() as s:
        question = ctx.bank.questions_by_id[s.get(QuizPost, post_id).question_id]
    if right:
        return frozenset(question.correct_indexes)
    return frozenset({min(set(range(len(question.options))) - question.correct_indexes)})


def post_of(ctx, channel: str, day: datetime) -> QuizPost:
    with ctx.sessions() as s:
        return s.scalars(
            select(QuizPost).where(QuizPost.channel_id == channel, QuizPost.local_date == day.date())
        ).one()


def click(ctx, clock, ws: str, user: str, post: QuizPost, right: bool) -> None:
    clock.advance(seconds=7)
    chosen = choose(ctx, post.id, right)
    assert answer_daily(ctx, Click(ws, user, post.channel_id, post.message_ts, None, post.id, chosen)).recorded


def pending_event(ctx, event_id: str, ws: str, user: str, text: str) -> None:
    """An event stored before its ack whose handler died: it waits in the inbox with what the person wrote."""
    payload = json.dumps(asdict(Asked(text, ws, user, "D" + user, "dm")))
    with transaction(ctx.sessions) as session:
        assert inbox.store(session, event_id, ws, payload, ctx.clock())


def play(ctx, client, fake_slack, clock) -> World:
    """Quiz days in two workspaces, practice, questions, votes, teams, names, inbox events, installations."""
    with transaction(ctx.sessions) as session:
        for ws in ("T1", "T2"):
            session.add(Workspace(workspace_id=ws, installed_at=INSTALLED))
            for name in SLACK_TABLE_NAMES:  # what slack_sdk's installation store writes on an install
                installer = {"user_id": "U1"} if name == "slack_installations" else {}
                session.execute(
                    insert(slack_table(name)).values(
                        client_id="111.222", app_id="A1", team_id=ws, bot_token=f"xoxb-{ws}", installed_at=INSTALLED
                    ),
                    installer,
                )
    for (ws, user), team in TEAMS.items():
        teams.join_team(ctx, ws, user, team)
    for ws, channel in CHANNEL.items():
        channels.save_channel(ctx, ws, channel, "08:00", "UTC", "daily", "8h")
    for day, t1, t2 in zip(DAYS, PLAY["T1"], PLAY["T2"], strict=True):
        clock.now = day
        assert all("posted" in line for line in posting.post_due(ctx))
        for ws, pattern in (("T1", t1), ("T2", t2)):
            post = post_of(ctx, CHANNEL[ws], day)
            for user, right in pattern:
                click(ctx, clock, ws, user, post, right)
        clock.advance(hours=9)
        assert reveals.close_due(ctx) == 2
    clock.now = OPEN_DAY
    posting.post_due(ctx)
    open_post = post_of(ctx, "C1", OPEN_DAY)
    click(ctx, clock, "T1", "U2", open_post, True)  # first, while the post is open
    click(ctx, clock, "T1", "U1", open_post, True)
    for ws, user in (("T1", "U2"), ("T1", "U1"), ("T2", "U2")):
        question = ctx.bank.questions[len(user) + len(ws)]
        practice.answer_practice(ctx, ws, user, question.id, frozenset({0}), message_ts=f"1700000000.{ws}{user}")
    for ws in ("T1", "T2"):  # U2 takes personal reviews in both workspaces: one review day each
        reviews.switch(ctx, ws, "U2", True, "00:00")
    assert len(delivery.post_due(ctx)) == 2
    topics = list(ctx.bank.topics)
    for n, (ws, user, text) in enumerate(
        [
            ("T1", "U2", "my manager says drift is a myth 🤔, is it?"),
            ("T1", "U3", "latency vs accuracy?"),
            ("T2", "U2", "how do I monitor data quality"),
        ]
    ):
        questions.answer_command(ctx, Asked(text, ws, user, CHANNEL[ws], "command"))
        questions.vote(ctx, ws, user, topics[n + 1], True, fake_slack.response_url())
    questions.vote(ctx, "T1", "U2", topics[0], False, fake_slack.response_url())
    for ws, user, topic in (("T1", "U2", "drift"), ("T1", "U3", "drift"), ("T2", "U2", "monitoring")):
        suggestions.record_pick(ctx, ws, user, "did_you_mean", topic, "Is drift a myth?")
    questions.receive_message(ctx, client, "EvHandled", Asked("what is drift", "T1", "U2", "DU2", "dm"))
    pending_event(ctx, "EvU2", "T1", "U2", "why does my model fail on Mondays")
    pending_event(ctx, "EvU3", "T1", "U3", "ask U2 about it")  # names U2 only inside text: not U2's event
    pending_event(ctx, "EvT2", "T2", "U2", "same person, other workspace")
    people = {"T1": ["U1", "U2", "U3", "U4"], "T2": ["U2", "U7"]}
    for ws, users in people.items():
        names.display_names(ctx, client, ws, users)
    assert ctx.background.drain(20)
    return World(open_post.id, people)


def snapshot(sessions) -> dict[str, set[tuple]]:
    """Every row of every table (ours and slack_sdk's), as sets of (column, value) tuples."""
    out = {}
    with sessions() as s:
        for t in Base.metadata.sorted_tables:
            out[t.name] = {tuple(sorted(row._mapping.items())) for row in s.execute(select(t))}
        for name in [*SLACK_TABLE_NAMES, "slack_oauth_states"]:
            rows = s.execute(select(literal_column("*")).select_from(table(name)))
            out[name] = {tuple(sorted(row._mapping.items())) for row in rows}
    return out


def named(row: tuple, **match: str) -> bool:
    values = dict(row)
    return all(values.get(k) == v for k, v in match.items())


def totals_are_a_recount(ctx) -> int:
    checked, mismatches = totals.verify_totals(ctx)
    assert mismatches == []
    return checked


def points(ctx, ws: str, period: str = "all") -> dict[str, float]:
    return {row.key: row.points for row in leaderboards.leaderboard(ctx, None, ws, period).rows}


@pytest.fixture
def world(ctx, client, fake_slack, clock) -> World:
    return play(ctx, client, fake_slack, clock)


# -- forget-user ------------------------------------------------------------------------------------------------


def check_forget(ctx, clock, world: World) -> None:
    """The whole forget-user story; run on SQLite here and on PostgreSQL in tests/storage."""
    totals_are_a_recount(ctx)
    before = snapshot(ctx.sessions)
    board_before = points(ctx, "T1")
    t2_board = points(ctx, "T2")
    assert FORGOTTEN in board_before and FORGOTTEN in t2_board

    preview = privacy.forget_user(ctx, "T1", FORGOTTEN, dry_run=True)
    assert snapshot(ctx.sessions) == before  # a dry run changes nothing
    done = privacy.forget_user(ctx, "T1", FORGOTTEN)
    assert done.removed == preview.removed
    assert done.removed == {
        "answers": 5,  # three days, the open post, one practice answer
        "score_totals": 1,
        "helpful_votes": 2,
        "asked_questions": 2,  # the /tutor question and the DM that was handled
        "topic_suggestions": 1,
        "user_names": 1,
        "team_members": 1,
        "insight_subscriptions": 0,  # covered in test_insights_slack.py
        "insight_posts": 0,
        "processed_events": 1,
        "review_cards": 5,  # every answered question became a review card
        "review_days": 1,
        "review_settings": 1,
    }
    assert done.elsewhere == ["T2"] and done.mismatches == []
    after = snapshot(ctx.sessions)

    # Their rows are gone from every table that names a person; every other row is exactly as it was.
    for name, rows in before.items():
        if name == "processed_events":
            continue
        theirs = {r for r in rows if named(r, workspace_id="T1", user_id=FORGOTTEN)}
        assert after[name] == rows - theirs, name
        if name in (
            "answers",
            "score_totals",
            "helpful_votes",
            "asked_questions",
            "topic_suggestions",
            "user_names",
            "team_members",
        ):
            assert theirs, f"the scenario stored nothing of theirs in {name}"
    # The inbox: their unhandled event keeps only its id and times (a late retry is still recognised).
    events = {dict(r)["event_id"]: dict(r) for r in after["processed_events"]}
    assert events["EvU2"]["payload"] is None and events["EvU2"]["handled_at"] == clock.now
    was = {dict(r)["event_id"]: dict(r) for r in before["processed_events"]}
    assert {k: v for k, v in events.items() if k != "EvU2"} == {k: v for k, v in was.items() if k != "EvU2"}
    assert {k: events["EvU2"][k] for k in ("workspace_id", "seen_at")} == {
        k: was["EvU2"][k] for k in ("workspace_id", "seen_at")
    }
    assert "ask U2 about it" in events["EvU3"]["payload"]  # someone else's words about them stay theirs

    # Totals equal a recount; the boards no longer show them; everyone else keeps their points.
    totals_are_a_recount(ctx)
    board_after = points(ctx, "T1")
    assert FORGOTTEN not in board_after
    assert board_after == {u: p for u, p in board_before.items() if u != FORGOTTEN}
    assert points(ctx, "T2") == t2_board  # the other workspace: same person id, untouched
    team_board = leaderboards.leaderboard(ctx, None, "T1", "all", teams=True)
    assert {(r.name, r.active) for r in team_board.rows} == {("Ops", 1), ("Research", 1)}

    # Ranks on closed posts are kept as they were: nobody inherits the forgotten person's bonus.
    day_one = post_of(ctx, "C1", DAYS[0])
    with ctx.sessions() as s:
        orders = dict(s.execute(select(Answer.user_id, Answer.correct_order).where(Answer.post_id == day_one.id)).all())
    assert orders == {"U1": 2, "U3": None, "U4": 3}
    # A post still open when they were forgotten ranks without them when it closes.
    clock.now = OPEN_DAY + timedelta(hours=9)
    assert reveals.close_due(ctx) >= 1
    with ctx.sessions() as s:
        opened = s.scalars(select(Answer).where(Answer.post_id == world.open_post)).all()
    assert [(a.user_id, a.correct_order) for a in opened] == [("U1", 1)]
    totals_are_a_recount(ctx)

    # Nothing is left to forget; the export says so too.
    assert not privacy.forget_user(ctx, "T1", FORGOTTEN).found
    assert privacy.export_person(ctx, "T1", FORGOTTEN) is None
    assert privacy.export_person(ctx, "T2", FORGOTTEN) is not None


def test_forget_user_removes_them_and_only_them(ctx, clock, world):
    check_forget(ctx, clock, world)


# -- export person ----------------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    return moment.replace(tzinfo=UTC).isoformat() if moment else None


def check_export(ctx) -> None:
    """export person returns exactly what the tables hold about them, read here without the repository."""
    document = privacy.export_person(ctx, "T1", FORGOTTEN)
    assert document is not None
    before = snapshot(ctx.sessions)
    mine = {
        name: sorted((dict(r) for r in rows if named(r, workspace_id="T1", user_id=FORGOTTEN)), key=repr)
        for name, rows in before.items()
    }
    answers_held = sorted(mine["answers"], key=lambda a: (a["answered_at"], a["id"]))
    assert [
        {k: a[k] for k in ("question_id", "topic", "practice", "post_id", "channel_id", "message_ts", "difficulty")}
        | {"answered_at": iso(a["answered_at"]), "choice": [int(i) for i in a["choice"].split(",")]}
        | {"credit": a["credit"], "correct": a["correct"], "correct_order": a["correct_order"]}
        | {"points": answer_points(a["difficulty"], a["credit"], a["correct_order"], a["practice"])}
        for a in answers_held
    ] == document["answers"]
    assert len(document["answers"]) == 5 and sum(a["practice"] for a in document["answers"]) == 1
    assert sorted(document["helpful_votes"], key=repr) == sorted(
        ({"topic": v["topic"], "helpful": v["helpful"], "voted_at": iso(v["voted_at"])} for v in mine["helpful_votes"]),
        key=repr,
    )
    keys = ("text", "surface", "channel_id", "topic", "confidence", "band")
    assert sorted(document["asked_questions"], key=repr) == sorted(
        ({k: q[k] for k in keys} | {"asked_at": iso(q["asked_at"])} for q in mine["asked_questions"]), key=repr
    )
    assert "my manager says drift is a myth 🤔, is it?" in [q["text"] for q in document["asked_questions"]]
    [pick] = mine["topic_suggestions"]
    assert document["topic_suggestions"] == [
        {"question": "is drift a myth", "topic": "drift", "source": "did_you_mean"}
        | {"seen_at": iso(pick["seen_at"]), "accepted_at": None}
    ]
    [name] = mine["user_names"]
    assert document["display_name"] == {"name": name["display_name"], "fetched_at": iso(name["fetched_at"])}
    [member] = mine["team_members"]
    assert document["team"] == {"name": "Ops", "joined_at": iso(member["joined_at"])}  # the team's first spelling
    [total] = mine["score_totals"]
    facts = ("answers", "correct", "weighted_credit", "first", "second", "third")
    assert {k: document["score_totals"][k] for k in facts} == {k: total[k] for k in facts}
    assert document["score_totals"]["points"] == pytest.approx(points(ctx, "T1")[FORGOTTEN])
    assert [e["event_id"] for e in document["pending_events"]] == ["EvU2"]  # not U3's, not T2's, not handled ones
    assert document["pending_events"][0]["payload"]["text"] == "why does my model fail on Mondays"
    assert (document["workspace_id"], document["user_id"]) == ("T1", FORGOTTEN)
    assert document["exported_at"] == iso(ctx.clock())

    # As JSON: keys sorted at every level, ISO 8601 times, the same bytes every time.
    text = privacy.export_json(document)
    assert text == privacy.export_json(privacy.export_person(ctx, "T1", FORGOTTEN))
    assert json.loads(text) == document and list(json.loads(text)) == sorted(document)
    assert text.isascii() and "\\ud83e\\udd14" in text  # the emoji, escaped
    assert all(a["answered_at"].endswith("+00:00") for a in json.loads(text)["answers"])
    assert snapshot(ctx.sessions) == before  # reading changed nothing
    totals_are_a_recount(ctx)


def test_export_person_is_what_the_database_holds(ctx, world):
    check_export(ctx)
    assert privacy.export_person(ctx, "T1", "U404") is None
    other = privacy.export_person(ctx, "T2", FORGOTTEN)
    assert other is not None and len(other["answers"]) == 3 and other["team"]["name"] == "Ops"


# -- purge ------------------------------------------------------------------------------------------------------


def uninstall(ctx, ws: str, at: datetime | None) -> None:
    with transaction(ctx.sessions) as session:
        session.execute(update(Workspace).where(Workspace.workspace_id == ws).values(uninstalled_at=at))


def holds(rows: set[tuple], ws: str) -> bool:
    return any(named(r, workspace_id=ws) or named(r, team_id=ws) for r in rows)


def check_purge(ctx, clock) -> None:
    """Only workspaces uninstalled before the cutoff go, all of their rows, in every table."""
    with transaction(ctx.sessions) as session:  # a third workspace that left recently
        session.add(Workspace(workspace_id="T3", installed_at=INSTALLED))
    teams.join_team(ctx, "T3", "U9", "Night Owls")
    with transaction(ctx.sessions) as session:  # T2 asked for weekly insights in a channel and by DM
        session.add(InsightSubscription(workspace_id="T2", user_id="U1", channel_id="C2", created_at=INSTALLED))
        session.add(InsightPost(workspace_id="T2", target="C2", week_start=INSTALLED.date(), claimed_at=INSTALLED))
    uninstall(ctx, "T2", clock.now - timedelta(days=40))
    uninstall(ctx, "T3", clock.now - timedelta(days=10))
    before = snapshot(ctx.sessions)
    assert all(holds(rows, "T2") for name, rows in before.items() if name != "slack_oauth_states")

    dry = privacy.purge_uninstalled(ctx, 30, dry_run=True)
    assert snapshot(ctx.sessions) == before
    done = privacy.purge_uninstalled(ctx, 30)
    assert [p.workspace_id for p in done.workspaces] == ["T2"] == [p.workspace_id for p in dry.workspaces]
    assert done.workspaces == dry.workspaces  # the dry run counted exactly what went
    [purged] = done.workspaces
    assert purged.uninstalled_at == clock.now - timedelta(days=40)
    counted = {name: sum(holds({r}, "T2") for r in rows) for name, rows in before.items()}
    assert purged.removed == {name: n for name, n in counted.items() if name != "slack_oauth_states"}
    assert purged.removed["answers"] == 5 and purged.removed["workspaces"] == 1

    after = snapshot(ctx.sessions)
    for name, rows in before.items():
        assert after[name] == {r for r in rows if not holds({r}, "T2")}, name  # T1 and T3 exactly as they were
    assert done.mismatches == [] and totals_are_a_recount(ctx) > 0
    assert points(ctx, "T2") == {}
    assert privacy.purge_uninstalled(ctx, 30).workspaces == []  # nothing left to purge; T3's time is not up
    assert [p.workspace_id for p in privacy.purge_uninstalled(ctx, 0, dry_run=True).workspaces] == ["T3"]


def test_purge_removes_only_workspaces_uninstalled_before_the_cutoff(ctx, clock, world):
    check_purge(ctx, clock)


def test_purge_keeps_an_installation_made_after_the_uninstall(ctx, clock, world):
    """A reinstall racing the purge: its fresh token (installed after the uninstall) is not deleted."""
    left = clock.now - timedelta(days=40)
    uninstall(ctx, "T2", left)
    with transaction(ctx.sessions) as session:
        bots = slack_table("slack_bots")
        session.execute(
            insert(bots).values(client_id="1", app_id="A1", team_id="T2", bot_token="xoxb-new", installed_at=clock.now)
        )
    [purged] = privacy.purge_uninstalled(ctx, 30).workspaces
    assert purged.removed["slack_bots"] == 1
    with ctx.sessions() as s:
        assert s.execute(select(bots.c.bot_token).where(bots.c.team_id == "T2")).scalars().all() == ["xoxb-new"]


def test_purge_takes_answers_on_its_posts_from_another_workspace_and_recounts_that_one(ctx, clock, world):
    """Rows written before answers were always scored in the post's workspace: the post's workspace owns them."""
    post = post_of(ctx, "C2", DAYS[0])
    with transaction(ctx.sessions) as session:
        stray = AnswerRecord(
            workspace_id="T1",
            user_id="U5",
            question_id=post.question_id,
            topic="drift",
            difficulty=2,
            choice=frozenset({0}),
            credit=1.0,
            correct=True,
            answered_at=DAYS[0],
            post_id=post.id,
            channel_id="C2",
        )
        assert answers.add_answer(session, stray)
    uninstall(ctx, "T2", clock.now - timedelta(days=40))
    [purged] = privacy.purge_uninstalled(ctx, 30).workspaces
    assert purged.removed["answers"] == 6
    with ctx.sessions() as s:
        assert s.get(ScoreTotal, ("T1", "U5")) is None
    totals_are_a_recount(ctx)


# -- the command line -------------------------------------------------------------------------------------------


def cli_env(db_url: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": ""}


def test_cli_forget_user_and_export_person(ctx, world, db_url):
    env = cli_env(db_url)
    exported = run("export", "person", FORGOTTEN, "--workspace", "T1", env=env)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    expected = privacy.export_person(ctx, "T1", FORGOTTEN)
    assert {k: v for k, v in document.items() if k != "exported_at"} == {
        k: v for k, v in expected.items() if k != "exported_at"
    }
    assert exported.stdout == privacy.export_json(document)  # stable key order

    untouched = snapshot(ctx.sessions)
    refused = run("forget-user", FORGOTTEN, "--workspace", "T1", env=env, stdin="yes\n")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    dry = run("forget-user", FORGOTTEN, "--workspace", "T1", "--dry-run", env=env)
    assert dry.returncode == 0 and "would remove" in dry.stdout and "answers" in dry.stdout
    assert snapshot(ctx.sessions) == untouched

    forgot = run("forget-user", FORGOTTEN, "--workspace", "T1", "--yes", env=env)
    assert forgot.returncode == 0, forgot.stderr
    lines = forgot.stdout.splitlines()
    assert any(line.split() == ["answers", "5", "removed"] for line in lines)
    assert any(line.split() == ["team_members", "1", "removed"] for line in lines)
    assert "totals: ok" in forgot.stdout and "equal a recount" in forgot.stdout
    assert "other workspaces: T2" in forgot.stdout
    totals_are_a_recount(ctx)
    assert FORGOTTEN not in points(ctx, "T1")

    again = run("forget-user", FORGOTTEN, "--workspace", "T1", "--yes", env=env)
    assert again.returncode == 1 and "nothing is stored about U2 in workspace T1" in again.stderr
    assert "T2" in again.stderr
    gone = run("export", "person", FORGOTTEN, "--workspace", "T1", env=env)
    assert gone.returncode == 1 and "nothing is stored" in gone.stderr and gone.stdout == ""
    bad = run("forget-user", "alice", "--workspace", "T1", "--yes", env=env)
    assert bad.returncode == 2 and "not a Slack user id" in bad.stderr
    which = run("export", "person", "U1", env=env)  # two workspaces and no token: which one?
    assert which.returncode == 1 and "--workspace" in which.stderr


def test_cli_forget_user_asks_at_a_terminal(ctx, world, db_url, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["forget-user", "U3", "--workspace", "T1"]) == 1
    assert "removes for good" in capsys.readouterr().out and "U3" in points(ctx, "T1")
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert main(["forget-user", "U3", "--workspace", "T1"]) == 0
    assert "forgot U3 in T1" in capsys.readouterr().out and "U3" not in points(ctx, "T1")
    totals_are_a_recount(ctx)


def test_cli_purge(ctx, world, db_url):
    env = cli_env(db_url)
    now = datetime.now(UTC).replace(tzinfo=None)  # the command runs on the real clock
    uninstall(ctx, "T2", now - timedelta(days=31))
    before = snapshot(ctx.sessions)
    for bad in ("-1", "3.5"):
        refused = run("purge", "--uninstalled-before", bad, env=env)
        assert refused.returncode == 2 and "non-negative integer" in refused.stderr, bad
    assert run("purge", env=env).returncode == 2  # DAYS is required
    kept = run("purge", "--uninstalled-before", "45", env=env)
    assert kept.returncode == 0 and "nothing to purge" in kept.stdout
    dry = run("purge", "--uninstalled-before", "30", "--dry-run", env=env)
    assert dry.returncode == 0 and "T2 (uninstalled" in dry.stdout and "would remove" in dry.stdout
    assert snapshot(ctx.sessions) == before
    done = run("purge", "--uninstalled-before", "30", env=env)
    assert done.returncode == 0, done.stderr
    assert any(line.split() == ["answers", "5", "rows"] for line in done.stdout.splitlines())
    assert "removed" in done.stdout and "totals: ok" in done.stdout
    after = snapshot(ctx.sessions)
    assert all(after[name] == {r for r in rows if not holds({r}, "T2")} for name, rows in before.items())
    report = done.stdout.split("totals:")[0]
    assert dry.stdout.split("totals:")[0].replace("would remove", "removed") == report
    totals_are_a_recount(ctx)


def test_a_late_retry_of_a_forgotten_event_is_not_answered_again(ctx, client, fake_slack, world):
    """The scrubbed inbox row still absorbs Slack's retry of the same event: nothing is stored or sent."""
    privacy.forget_user(ctx, "T1", FORGOTTEN)
    sent = len(fake_slack.of("chat.postMessage"))
    questions.receive_message(
        ctx, client, "EvU2", Asked("why does my model fail on Mondays", "T1", FORGOTTEN, "DU2", "dm")
    )
    assert ctx.background.drain(10)
    assert len(fake_slack.of("chat.postMessage")) == sent
    assert privacy.export_person(ctx, "T1", FORGOTTEN) is None
    with ctx.sessions() as s:
        assert s.get(ProcessedEvent, "EvU2").payload is None


def test_a_failed_write_logs_neither_the_person_nor_the_question(ctx, tmp_path, caplog):
    from dataclasses import replace

    from storage.db import make_engine, make_sessionmaker

    empty = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")  # every insert fails: there is no table
    broken = replace(ctx, sessions=make_sessionmaker(empty))
    suggestions.record_pick(broken, "T1", "U0SECRET", "did_you_mean", "drift", "is my secret project drifting?")
    assert "could not record a topic pick" in caplog.text  # the failure is logged, with its traceback
    assert "no such table" in caplog.text
    assert "U0SECRET" not in caplog.text and "secret project" not in caplog.text
    empty.dispose()
