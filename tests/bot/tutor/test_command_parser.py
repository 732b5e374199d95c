"""Parsing what follows /tutor."""

from __future__ import annotations

import pytest

from bot.tutor.command_parser import parse_command


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("", "help", ()),
        ("  HELP ", "help", ()),
        ("?", "help", ()),
        ("topics", "topics", ()),
        ("quiz", "quiz", ()),
        ("leaderboard", "leaderboard", ("week", "people")),
        ("leaderboard all teams", "leaderboard", ("all", "teams")),
        ("leaderboard teams month", "leaderboard", ("month", "teams")),
        ("team join  Data  Wizards", "team", ("join", "Data Wizards")),
        ("team leave", "team", ("leave",)),
        ("schedule 09:30 Europe/Berlin", "schedule", ("09:30", "Europe/Berlin")),
    ],
)
def test_sub_commands(text, name, args):
    cmd = parse_command(text)
    assert (cmd.name, cmd.args) == (name, args)


@pytest.mark.parametrize("text", ["quiz me on drift", "topics about latency", "what's the difference in data?"])
def test_anything_else_is_a_question(text):
    cmd = parse_command(text)
    assert cmd.name == "ask" and cmd.text == " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "leaderboard yesterday",
        "leaderboard week month",
        "team",
        "team join",
        "team dance",
        "schedule",
        "schedule 9 Europe/Berlin extra",
    ],
)
def test_malformed_sub_commands_get_usage(text):
    cmd = parse_command(text)
    assert cmd.name == "usage" and cmd.error.startswith("Usage:")
