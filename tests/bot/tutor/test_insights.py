"""The insights maths and its privacy rule: no figure about fewer than 3 people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks.insight_blocks import insight_lines, insight_summary
from bot.tutor.command_parser import parse_command
from bot.tutor.insights import build_insights, chart_series, period_bounds, shown, trend_word, week_bounds

UNTIL = datetime(2026, 3, 9)


@dataclass(frozen=True)
class T:
    answers: int = 0
    correct: int = 0
    people: int = 0


def report(topics_now, topics_before=None, questions=(), ever=5, weekly=None):
    people = max((c.people for c in topics_now.values()), default=0)
    answers = sum(c.answers for c in topics_now.values())
    correct = sum(c.correct for c in topics_now.values())
    return build_insights(
        scope="this channel",
        period="week",
        bounds=period_bounds(UNTIL, "week"),
        ever=ever,
        windows=[T(10, 5, 4), T(answers, correct, people)],
        topics_now=topics_now,
        topics_before=topics_before or {},
        questions=questions,
        weekly=weekly or [T()] * 7 + [T(answers, correct, people)],
        titles={"data": "Data", "drift": "Drift", "cost": "Cost", "latency": "Latency"},
        prompts={"q-data-1": "Which data is fresher?", "q-data-2": "What leaks?"},
    )


def test_a_figure_needs_three_people():
    assert shown(T(10, 5, 2)) is None
    assert shown(T(10, 5, 3)) == 0.5


def test_two_people_show_nothing_and_say_why():
    r = report({"data": T(4, 1, 2)})
    assert r.too_few and r.active is None and r.topics == ()
    text = "\n".join(insight_lines(r))
    assert "Fewer than 3 of the 5 people" in text and "%" not in text


def test_participation_never_singles_out_the_one_or_two_who_stayed_away():
    def said(people: int, ever: int) -> str:
        r = report({"data": T(10, 5, people)}, ever=ever)
        return "\n".join(insight_lines(r)) + "\n" + insight_summary(r)

    assert "Most of the 5 people who have ever answered took part" in said(4, 5)
    assert "4 of the 5" not in said(4, 5) and "4 took part" not in said(4, 5)
    assert "Most of the 5 people" in said(3, 5) and "3 of the 5" not in said(3, 5)
    assert "3 of the 6 people who have ever answered took part" in said(3, 6)  # 3 stayed away: no one is shown
    assert "4 of the 4 people" in said(4, 4) and "4 took part" in said(4, 4)


def test_a_scope_with_two_people_ever_shows_nothing():
    r = report({"data": T(6, 3, 2)}, ever=2)
    text = "\n".join(insight_lines(r))
    assert r.too_few and "Fewer than 3 people have answered" in text and "%" not in text


def test_three_people_show_figures_weakest_first_with_the_most_missed_question():
    r = report(
        {"data": T(6, 2, 3), "drift": T(6, 5, 3), "cost": T(2, 0, 2)},
        topics_before={"data": T(6, 3, 3), "drift": T(4, 4, 2)},
        questions=[("data", "q-data-1", T(3, 0, 3)), ("data", "q-data-2", T(3, 2, 3)), ("drift", "q-x", T(2, 0, 2))],
    )
    assert r.active == 3 and r.hidden_topics == 1  # cost: 2 people
    assert [f.topic for f in r.topics] == ["data", "drift"]
    assert r.topics[0].before == 0.5 and r.topics[1].before is None  # drift's earlier week had 2 people
    weak = r.weakest[0]
    assert (weak.topic, weak.question_id, weak.missed) == ("data", "q-data-1", 1.0)
    assert r.weakest[1].question_id is None  # drift's only missed question had 2 answerers
    text = "\n".join(insight_lines(r))
    assert "Data: 33% (▼ -17 pts from 50%)" in text and "Which data is fresher?" in text and "Cost" not in text


def test_trend_and_chart_leave_out_small_weeks():
    assert trend_word([None, 0.5, None, 0.7]) == "rising"
    assert trend_word([0.6, 0.62]) == "steady"
    assert trend_word([0.9, None, 0.7]) == "falling"
    assert trend_word([None, 0.5]) == "unclear"
    weeks = week_bounds(UNTIL, 3)
    series = chart_series(weeks, [(0, "data", T(5, 4, 3)), (1, "data", T(2, 2, 2)), (2, "drift", T(3, 1, 2))], {})
    assert series.lines == (("data", (0.8, None, None)),)  # drift never had 3 people: not drawn
    assert len(series.weeks) == 3 and series.weeks[-1] == datetime(2026, 3, 2).date()


def test_parsing_insights_commands():
    assert parse_command("insights").args == ("week", "")
    assert parse_command("insights month team Ops Crew").args == ("month", "Ops Crew")
    assert parse_command("Insights WEEKLY on").name == "insights_weekly"
    assert parse_command("insights weekly on team ops").args == ("on", "ops")
    assert parse_command("insights weekly off").args == ("off", "")
    for bad in ("insights year", "insights weekly", "insights team", "insights weekly maybe"):
        assert parse_command(bad).name == "usage", bad
