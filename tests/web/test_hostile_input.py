"""Our endpoint is public: anything unsigned is refused before it is read, anything malformed is a 4xx, and
nothing a person types (a question, a display name) can forge markup, a log line or a spreadsheet formula.
Every request here goes over HTTP to the served app."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from urllib.parse import urlencode, urlparse

import pytest
from sqlalchemy import func, select

from bot.blocks.kit import escape
from bot.blocks.score_blocks import leaderboard_blocks
from bot.logs import JsonFormatter, LineFormatter, clean
from bot.services.people.export import csv_cell
from bot.services.quiz import channels, posting, practice
from bot.services.quiz.answering import Click, answer_daily
from bot.tutor.standings import Board, Row
from storage.models import Answer, AskedQuestion
from tests.slack_requests import click, find_element, sign

HOSTILE_TIMESTAMPS = ["abc", "", "nan", "1e9", " ", "0x10", "1.5", "-1", "+1700000000", "1700000000.0"]


def rows(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def command_body(response_url: str, channel: str = "C1") -> str:
    return urlencode(
        {
            "team_id": "T1",
            "channel_id": channel,
            "user_id": "U1",
            "command": "/tutor",
            "text": "why do models drift",
            "response_url": response_url,
        }
    )


@pytest.mark.parametrize("timestamp", HOSTILE_TIMESTAMPS)
def test_a_malformed_timestamp_is_refused_before_anything_happens(slack, fake_slack, sessions, timestamp, caplog):
    """slack_sdk's verifier raised on these; Bolt's error handler then trusted the body and called Slack."""
    body = command_body(fake_slack.response_url("attacker"))
    response = slack.post(body, "application/x-www-form-urlencoded", timestamp=timestamp, signature="v0=" + "0" * 64)
    assert response.status == 401
    time.sleep(0.2)
    assert fake_slack.calls == []  # no sorry, no POST to the body's response_url
    assert rows(sessions, AskedQuestion) == 0
    assert "Traceback" not in caplog.text


def test_a_correctly_signed_but_non_integer_timestamp_is_still_refused(slack, fake_slack):
    body = command_body(fake_slack.response_url("attacker"))
    for timestamp in ("1e9", f" {int(time.time())}", f"{int(time.time())}.0"):
        assert (
            slack.post(
                body, "application/x-www-form-urlencoded", timestamp=timestamp, signature=sign(body, timestamp)
            ).status
            == 401
        )


def test_an_empty_or_blank_signing_secret_is_refused(ctx):
    from bot.web.request_guard import RequestGuard

    for secret in ("", "   ", "\t\n"):
        with pytest.raises(ValueError):
            RequestGuard(secret)


DEEP = "[" * 3000 + "]" * 3000
MALFORMED = [
    ("null", "application/json"),
    ("[1]", "application/json"),
    ('"just a string"', "application/json"),
    ('{"type":"event_callback","authorizations":[null]}', "application/json"),
    ('{"type":"event_callback","event":"not an object"}', "application/json"),
    ('{"type":"event_callback","team_id":5,"event":{"type":"message","text":{"a":1}}}', "application/json"),
    ('{"type":"block_actions","actions":[1,2],"user":{"id":"U1"}}', "application/json"),
    ('{"type":"block_actions","user":7}', "application/json"),
    (DEEP, "application/json"),
    ('{"a":' * 3000 + "1" + "}" * 3000, "application/json"),
    ("payload=null", "application/x-www-form-urlencoded"),
    ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
    ("payload=" + DEEP, "application/x-www-form-urlencoded"),
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("\xff\xfe", "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED, ids=[f"m{i}" for i in range(len(MALFORMED))])
def test_a_signed_malformed_body_is_a_clean_400(slack, fake_slack, body, content_type, caplog):
    response = slack.post(body, content_type)
    assert response.status == 400, (response.status, response.body[:200])
    assert "Traceback" not in response.body and "Traceback" not in caplog.text
    assert fake_slack.calls == []
    assert slack.command("help").status == 200  # and the next good request is answered


def test_an_oversized_body_is_refused_unread(slack):
    """Refused on its Content-Length, before a byte of the body is read."""
    with socket.create_connection(("127.0.0.1", urlparse(slack.url).port), timeout=5) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1100000\r\n\r\n")
        assert conn.recv(100).split(b"\r\n")[0] == b"HTTP/1.1 413 Request Entity Too Large"


def test_forged_log_lines_and_secrets_never_reach_the_log(monkeypatch):
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret-value-123")
    formatter = LineFormatter()
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "got %s", ("ok\n2026-01-01 ERROR lab2prod: forged xoxb-123-abc",), None
    )
    line = formatter.format(record)
    assert "\n" not in line and "\\n2026-01-01" in line and "xoxb-123" not in line
    assert clean("secret is s3cret-value-123", ("s3cret-value-123",)) == "secret is …redacted"
    assert len(clean("y" * 50_000)) < 2100


def test_json_logs_are_one_object_per_line(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-token-value")
    formatter = JsonFormatter()
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "lab2prod",
            logging.ERROR,
            __file__,
            1,
            "a\nb %s",
            ("xoxb-real-token-value",),
            (type(exc), exc, exc.__traceback__),
        )
    line = formatter.format(record)
    assert "\n" not in line
    event = json.loads(line)
    assert event["level"] == "ERROR" and event["message"].startswith("a\\nb ") and "RuntimeError" in event["error"]
    assert "xoxb-real" not in line and "redacted" in event["message"]


def test_refused_requests_log_no_body(slack, caplog):
    caplog.set_level(logging.INFO)
    slack.post('{"evil": "line\\n2026 ERROR forged"}', "application/json", signature="v0=" + "1" * 64)
    assert "forged" not in caplog.text and "evil" not in caplog.text
    assert "refused a request" in caplog.text


def _stall(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{")  # and then nothing
    return conn


def test_stalled_connections_do_not_lock_out_slack_or_health_checks(slack):
    port = urlparse(slack.url).port
    stalled = [_stall(port) for _ in range(150)]
    try:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert conn.recv(100).startswith(b"HTTP/1.1 200")
        assert slack.command("help").status == 200
        assert time.monotonic() - started < 5
    finally:
        for conn in stalled:
            conn.close()


def _daily(ctx, fake_slack):
    channels.save_channel(ctx, "T1", "C1", "08:00", "UTC", "daily")
    assert "posted" in posting.post_due(ctx)[0]
    from storage.repos import posts

    with ctx.sessions() as s:
        return posts.get_post(s, 1)


def test_practice_never_serves_a_question_open_as_a_daily_quiz(ctx, fake_slack, clock):
    daily = _daily(ctx, fake_slack)
    topic = ctx.bank.questions_by_id[daily.question_id].topic
    siblings = [q for q in ctx.bank.questions if q.topic == topic]
    ctx.bank = type(ctx.bank)(ctx.bank.topics, tuple(siblings), ctx.bank.questions_by_id)  # practice aims at it
    served = set()
    for n in range(40):
        clock.advance(seconds=1)
        served.add(practice.practice_question(ctx, "T1", f"U{n}")[0].id)
    assert daily.question_id not in served and served  # the rest of the topic is served
    clock.advance(hours=9)  # closed: practising it gives nothing away any more
    from bot.services.quiz import reveals

    reveals.close_due(ctx)
    served = {practice.practice_question(ctx, "T1", f"V{n}")[0].id for n in range(60) if not clock.advance(seconds=1)}
    assert daily.question_id in served


def test_a_click_is_scored_only_from_the_posts_own_channel_and_message(ctx, fake_slack, sessions):
    post = _daily(ctx, fake_slack)
    question = ctx.bank.questions_by_id[post.question_id]
    chosen = frozenset({min(question.correct_indexes)})
    elsewhere = answer_daily(ctx, Click("T1", "U1", "C2", post.message_ts, None, post.id, chosen))
    other_message = answer_daily(ctx, Click("T1", "U1", "C1", "1.234", None, post.id, chosen))
    assert "doesn't belong" in elsewhere.text and "doesn't belong" in other_message.text
    assert rows(sessions, Answer) == 0
    assert answer_daily(ctx, Click("T1", "U1", "C1", post.message_ts, None, post.id, chosen)).recorded


def test_an_exact_replay_of_a_practice_click_is_stored_once(slack, fake_slack, sessions):
    body = slack.command("quiz").json()
    try:
        block, element = find_element(body["blocks"], "practice_pick:0")
        state = None
    except AssertionError:
        block, element = find_element(body["blocks"], "practice_submit")
        _, boxes = find_element(body["blocks"], "practice_boxes")
        state = {block["block_id"]: {"practice_boxes": {"selected_options": [boxes["options"][0]]}}}
    payload = click(block, element, message_ts="1700000000.000777", response_url=fake_slack.response_url(), state=state)
    for n in (1, 2, 3):
        assert slack.block_action(payload).status == 200
        fake_slack.wait_for("response_url", n)
    assert rows(sessions, Answer) == 1


FORGERY = "Eve\n:first_place_medal: *Mallory*  999 pts · 100% right · streak 99"


def test_a_display_name_cannot_forge_a_leaderboard_row():
    board = Board("week", False, [Row(1, "U1", "Ann", 20, 1.0, streak=1), Row(2, "U2", FORGERY, 10, 0.5, streak=1)])
    text = "\n".join(b["text"]["text"] for b in leaderboard_blocks(board) if b["type"] == "section")
    assert len(text.splitlines()) == 2  # two rows, whatever the names hold
    assert "*Mallory*" not in text and "<!date^0^{_}|*>Mallory<!date^0^{_}|*>" in text


@pytest.mark.parametrize(
    "name",
    ["*bold*", "_it_", "~gone~", "`code`", "<!channel>", "<@U123>", "<https://evil|click>", "a\nb", "a\rb", "a\x00b"],
)
def test_escape_neutralises_markup_pings_links_and_line_breaks(name):
    out = escape(name)
    assert "\n" not in out and "\r" not in out and "\x00" not in out
    assert "<!channel>" not in out and "<@U123>" not in out and "<https" not in out
    bare = re.sub(r"<!date\^0\^\{_\}\|[*_~`]>", "", out)
    assert not set("*_~`") & set(bare)  # every marker sits inside a fallback token


@pytest.mark.parametrize(
    "name",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\n=1",
        " =1",
        "\u00a0=1",
        "\uff1d1",
        "\uff0b1",
        "\uff20x",
        ";x",
        "|x",
    ],
)
def test_csv_cells_never_start_a_formula(name):
    cell = csv_cell(name)
    assert cell.startswith("'") and "\r" not in cell and "\n" not in cell


def test_csv_cells_leave_ordinary_names_alone():
    assert [csv_cell(n) for n in ("Ada", "Ann Lee", "José", "李")] == ["Ada", "Ann Lee", "José", "李"]


def test_a_question_never_reaches_the_notification_text(slack):
    body = slack.command("*bold* \x00 <!here> what is lunch").json()
    assert body["text"] == "I don't know that one."
    echo = body["blocks"][0]["elements"][0]
    assert echo["type"] == "plain_text" and "\x00" not in echo["text"]
