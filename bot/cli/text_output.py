"""Plain-text renderings for the terminal: a topic's answer, a matcher verdict, a leaderboard."""

from __future__ import annotations

import textwrap

from bot.tutor.reading import Band, Match
from bot.tutor.standings import Board
from content.loader import Bank

WIDTH = 88


def wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def render_topic(bank: Bank, topic_id: str) -> str:
    t = bank.topics[topic_id]
    lines = [
        t.title,
        "=" * len(t.title),
        wrap(f"In research:   {t.answer.research}"),
        wrap(f"In production: {t.answer.production}"),
        "",
        *(wrap(f"- {p}") for p in t.key_points),
        "",
        wrap(f"Example: {t.example}"),
    ]
    if t.related:
        lines.append("Related: " + ", ".join(t.related))
    return "\n".join(lines)


def render_match(bank: Bank, match: Match) -> str:
    if match.band is Band.ANSWER and match.topic:
        also = [bank.topics[t].title for t in match.also if t in bank.topics]
        compared = f'\n(You also asked about {" and ".join(also)}: lab2prod ask "{match.also[0]}")' if also else ""
        return render_topic(bank, match.topic) + compared
    if match.band is Band.NOT_COVERED:
        nearest = ", ".join(f"{bank.topics[s].title} ({s})" for s in match.suggestions if s in bank.topics)
        return (
            "That is a machine learning question, but not one I cover: I explain how ML in research differs from"
            " ML in production." + (f"\nThe closest topics I do cover: {nearest}" if nearest else "")
        )
    if match.band is Band.DID_YOU_MEAN and match.suggestions:
        options = ", ".join(f"{bank.topics[s].title} ({s})" for s in match.suggestions)
        return f'Not sure what you mean. Did you mean: {options}?\nTry: lab2prod ask "{match.suggestions[0]}"'
    return (
        "I don't know that one: I only cover how ML in research differs from ML in production.\n"
        "Topics: " + ", ".join(bank.topics) + "\n(In Slack this question is logged so the authors can fill the gap.)"
    )


def render_board(board: Board, title: str) -> str:
    extra = "active" if board.teams else "streak"
    lines = [f"{title} (periods in {board.tz})", f"{'rank':>4}  {'name':24} {'points':>8} {'accuracy':>8} {extra:>7}"]
    for row in board.rows:
        value = row.active if board.teams else row.streak
        lines.append(f"{row.rank:>4}  {row.name[:24]:24} {row.points:>8.0f} {row.accuracy:>8.0%} {value:>7}")
    if not board.rows:
        lines.append("  no scored answers in this period")
    return "\n".join(lines)
