"""The `lab2prod` command line, run as a user would: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runs import run, run_at_once

ROOT = Path(__file__).resolve().parents[1]


def test_ask_prints_a_contrast():
    result = run("ask", "why do models drift in prod")
    assert result.returncode == 0
    assert "In research:" in result.stdout and "In production:" in result.stdout


def test_ask_json_reads_one_question_per_line(tmp_path):
    questions = "what's the difference in data?\nwhat's for lunch\n\nlatency vs accuracy?\n"
    result = run("ask", "--json", "-", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in lines] == [
        "what's the difference in data?",
        "what's for lunch",
        "",
        "latency vs accuracy?",
    ]  # one line out per line in
    assert [r["topic"] for r in lines] == ["data", None, None, "latency"]
    assert all(set(r) == {"question", "topic", "confidence", "suggestions"} for r in lines)


def test_topics_lists_all_eighteen():
    assert len(run("topics").stdout.splitlines()) == 18


def test_content_check_passes_on_the_shipped_bank():
    result = run("content", "check")
    assert result.returncode == 0
    assert "18 topics" in result.stdout and "questions" in result.stdout


BROKEN_TOPICS = """\
topics:
  - id: data
    title: Data
    aliases: [datasets]
    phrasings: [a, b, c, d, e, f, g, h]
    answer: {research: "", production: In prod it moves.}
    key_points: [one, two, three]
    example: An example.
    related: [nowhere]
    sources: [002_21f689e1c9a41476]
    colour: blue
  - id: data
    title: Data again
    aliases: [x]
    phrasings: [a, b, c, d, e, f, g, h]
    answer: {research: R., production: P.}
    key_points: [one, two, three]
    example: E.
    sources: [002_21f689e1c9a41476]
"""


def test_content_check_reports_file_and_line(tmp_path):
    (tmp_path / "topics.yaml").write_text(BROKEN_TOPICS)
    result = run("content", "check", str(tmp_path))
    assert result.returncode == 1
    err = result.stderr
    path = tmp_path / "topics.yaml"
    assert f"{path}:6: topics.0.answer.research" in err  # empty answer
    assert f"{path}:11: topics.0.colour: Extra inputs are not permitted" in err  # unknown key
    # once the first topic is fixed, the cross-checks speak up: duplicate id and dangling related
    fixed = BROKEN_TOPICS.replace('research: ""', "research: R.").replace("    colour: blue\n", "")
    path.write_text(fixed)
    err = run("content", "check", str(tmp_path)).stderr
    assert f"{path}:11: duplicate id 'data'" in err
    assert f"{path}:9: unknown related topic 'nowhere'" in err


def test_content_check_reports_broken_yaml(tmp_path):
    (tmp_path / "topics.yaml").write_text("topics:\n  - id: data\n    title: [unclosed\n")
    result = run("content", "check", str(tmp_path))
    assert result.returncode == 1
    assert "topics.yaml:" in result.stderr and "broken YAML" in result.stderr


def test_quiz_rules_are_checked(tmp_path):
    quiz = """\
questions:
  - id: q1
    topic: drift
    kind: multi
    difficulty: 2
    prompt: Select all that apply.
    options:
      - {text: A, correct: true, why: fine}
      - {text: B, correct: true, why: fine}
      - {text: C, correct: true, why: fine}
    sources: [003_6aedeafa16eeaa59]
"""
    (tmp_path / "quiz.yaml").write_text(quiz)
    result = run("content", "check", str(tmp_path / "quiz.yaml"))
    assert result.returncode == 1
    assert "quiz.yaml:2:" in result.stderr and "at least one right and one wrong" in result.stderr


def test_serve_stops_at_start_on_broken_content(tmp_path):
    (tmp_path / "topics.yaml").write_text(BROKEN_TOPICS)
    result = run(
        "serve",
        "--http",
        "--port",
        "0",
        env={
            "LAB2PROD_CONTENT": str(tmp_path),
            "SLACK_BOT_TOKEN": "xoxb-x",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
    )
    assert result.returncode == 1
    assert "topics.yaml:6" in result.stderr


def test_serve_without_tokens_explains_what_is_missing(tmp_path):
    env = {k: "" for k in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")}
    result = run("serve", env=env)
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr


def test_channels_and_post_quiz_against_the_fake_slack(tmp_path, fake_slack):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_API_URL": fake_slack.api_url,
    }
    fake_slack.channels["C1"] = {"id": "C1", "name": "ml", "is_member": True}
    fake_slack.channels["C2"] = {"id": "C2", "name": "random", "is_member": False}
    outside = run("channels", "add", "C2", "--time", "09:00", "--tz", "UTC", env=env)
    assert outside.returncode == 1 and "/invite @lab2prod" in outside.stderr
    bad = run("channels", "add", "C1", "--time", "25:00", "--tz", "Europe/Berlin", env=env)
    assert bad.returncode == 2 and "HH:MM" in bad.stderr
    unknown_tz = run("channels", "add", "C1", "--time", "09:00", "--tz", "Europe/Atlantis", env=env)
    assert unknown_tz.returncode == 2 and "unknown time zone" in unknown_tz.stderr
    missing = run("channels", "add", "C404", "--time", "09:00", "--tz", "UTC", env=env)
    assert missing.returncode == 1 and "channel_not_found" in missing.stderr
    ok = run("channels", "add", "C1", "--time", "00:00", "--tz", "UTC", "--weekdays", "mon-sun", env=env)
    assert ok.returncode == 0, ok.stderr
    listed = run("channels", "list", env=env).stdout
    assert "C1: 00:00 UTC on mon,tue,wed,thu,fri,sat,sun" in listed
    first = run("post-quiz", env=env)
    again = run("post-quiz", "--channel", "C1", env=env)
    assert "C1: posted" in first.stdout and "already has the quiz" in again.stdout
    assert len(fake_slack.of("chat.postMessage")) == 1
    unknown = run("post-quiz", "--channel", "C999", env=env)
    assert unknown.returncode == 1 and "no quiz schedule" in unknown.stderr
    assert run("channels", "remove", "C1", env=env).returncode == 0
    assert run("channels", "remove", "C1", env=env).returncode == 1


def test_quiz_in_the_terminal(tmp_path):
    from bot.blocks.quiz_blocks import LETTERS
    from content.loader import load_bank

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    shown = run("quiz", env=env)
    assert shown.returncode == 0 and "lab2prod quiz --question" in shown.stdout
    question = next(q for q in load_bank().questions if q.kind == "single")
    right = LETTERS[min(question.correct_indexes)]
    wrong = LETTERS[min(set(range(len(question.options))) - question.correct_indexes)]
    answered = run("quiz", "--question", question.id, "--answer", right, env=env)
    assert answered.returncode == 0 and "\nRight!\n" in answered.stdout
    missed = run("quiz", "--question", question.id, "--answer", wrong.lower(), env=env)
    assert missed.returncode == 0 and "\nNot quite.\n" in missed.stdout
    assert run("quiz", "--question", question.id, "--answer", "Z", env=env).returncode == 2
    assert run("quiz", "--question", "nope", env=env).returncode == 2


def test_unknown_command_is_a_clear_error():
    result = run("frobnicate")
    assert result.returncode == 2 and "invalid choice" in result.stderr


@pytest.mark.parametrize("period", ["week", "all"])
def test_leaderboard_and_export_with_no_data(tmp_path, period):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}", "SLACK_BOT_TOKEN": ""}
    board = run("leaderboard", "--period", period, "--workspace", "T1", env=env)
    assert board.returncode == 0 and "no scored answers" in board.stdout
    export = run("export", "scores", "--csv", "--workspace", "T1", env=env)
    assert export.stdout.splitlines() == ["rank,person,user_id,team,points,answers,accuracy,streak"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_http_answers_signed_requests_and_runs_the_scheduler(tmp_path, fake_slack):
    import time
    import urllib.request

    from tests.slack_requests import SIGNING_SECRET, SlackSender

    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_APP_TOKEN": "",
        "LAB2PROD_TICK_SECONDS": "0.2",
    }
    fake_slack.channels["C1"] = {"id": "C1", "is_member": True}
    assert (
        run("channels", "add", "C1", "--time", "00:00", "--tz", "UTC", "--weekdays", "daily", env=env).returncode == 0
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert json.loads(resp.read())["ok"] is True
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not come up"
                time.sleep(0.1)
        reply = SlackSender(f"http://127.0.0.1:{port}/slack/events").command("latency vs accuracy?")
        assert reply.status == 200 and reply.json()["blocks"][1]["text"]["text"] == "Latency"
        forged = SlackSender(f"http://127.0.0.1:{port}/slack/events", secret="wrong").command("latency")
        assert forged.status == 401
        [posted] = fake_slack.wait_for("chat.postMessage", timeout=20)  # the scheduler's tick posted the quiz
        assert posted.params["channel"] == "C1"
    finally:
        proc.terminate()  # SIGTERM, as a deploy does
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output  # a graceful stop
    assert "Traceback" not in output, output


def test_http_serve_never_runs_without_a_signing_secret(tmp_path):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_APP_TOKEN": "xapp-x",
        "SLACK_SIGNING_SECRET": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    result = run("serve", "--http", "--port", "0", env=env)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr


def test_app_factory_refuses_http_without_a_secret(ctx):
    from bot.config import Settings
    from bot.web.bolt_app import create_app

    for secret in (None, "", "   "):
        with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
            create_app(ctx, Settings("xoxb-x", secret, "xapp-x", None, "sqlite://"))
    assert create_app(ctx, Settings("xoxb-x", None, "xapp-x", None, "sqlite://"), socket_mode=True)


def test_content_gaps_lists_unanswered_questions_and_unhelpful_topics(tmp_path):
    from datetime import datetime

    from storage.db import make_engine, make_sessionmaker, transaction, upgrade
    from storage.repos import asked

    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    at = datetime(2026, 3, 2, 9, 0)
    with transaction(make_sessionmaker(make_engine(url))) as s:
        for text, band in [("how do i reset my password", "unknown")] * 3 + [
            ("How do I reset my password ", "unknown"),
            ("drift", "answer"),
            ("prod stuff", "did_you_mean"),
        ]:
            asked.record_question(
                s,
                workspace_id="T1",
                user_id="U1",
                channel_id=None,
                surface="dm",
                text=text,
                topic="drift" if band == "answer" else None,
                confidence=0.1,
                band=band,
                at=at,
            )
        asked.record_vote(s, workspace_id="T1", user_id="U1", topic="cost", helpful=False, at=at)
        asked.record_vote(s, workspace_id="T1", user_id="U2", topic="drift", helpful=True, at=at)
    out = run("content", "gaps", env={"DATABASE_URL": url}).stdout
    lines = out.splitlines()
    assert "4x  how do i reset my password" in lines[1]  # case-folded and counted, most asked first
    assert "1x  prod stuff" in lines[2]
    assert "drift" not in out.split("Least helpful")[0]  # answered questions are not gaps
    assert "cost" in out.split("Least helpful")[1] and "drift" not in out.split("Least helpful")[1]


def test_content_check_prints_the_cue_solvers_lift_and_fails_on_a_leaky_quiz(tmp_path):
    shipped = run("content", "check")
    assert shipped.returncode == 0
    lifts = [line for line in shipped.stdout.splitlines() if "chance" in line]
    assert [line.split()[0] for line in lifts] == ["single", "multi", "true_false"]
    assert all(float(line.split("chance")[1].split()[0]) <= 10 for line in lifts)
    # Every wrong option says "always" or "never", every right one hedges: wording alone gives it away.
    questions = []
    for n in range(12):
        questions.append(
            f"""  - id: leak-{n:02d}
    topic: drift
    idea: leak {n}
    kind: single
    difficulty: 1
    prompt: Question number {n} about drift?
    options:
      - {{text: It always stays the same in case {n}, correct: false, why: "wrong"}}
      - {{text: It may often change over time in case {n}, correct: true, why: "right"}}
      - {{text: It never changes at all in case {n}, correct: false, why: "wrong"}}
    sources: [003_6aedeafa16eeaa59]
"""
        )
    (tmp_path / "quiz.yaml").write_text("questions:\n" + "".join(questions))
    leaky = run("content", "check", str(tmp_path / "quiz.yaml"))
    assert leaky.returncode == 1
    assert "single" in leaky.stderr and "leak-" in leaky.stderr


def test_processes_starting_together_upgrade_a_new_sqlite_file_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    runs = run_at_once(3, "db", "upgrade", env={"DATABASE_URL": url})
    assert runs.overlapped and [code for code, _, _ in runs.outcomes] == [0, 0, 0], runs.outcomes
    assert run("db", "verify", env={"DATABASE_URL": url}).returncode == 0
