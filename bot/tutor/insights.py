"""Team insights from tallies of answers: participation, accuracy per topic against the previous period, the
weakest topics with their most-missed question, and the trend. Pure: plain data in, plain data out.

The privacy rule lives here: no figure describes fewer than MIN_GROUP people. A figure computed from fewer
distinct people is left out (None), and the report says how many were left out, so nobody is singled out
(two people's accuracy, or one person's miss, would be theirs). No figure names a person: the inputs are
counts, never user ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

MIN_GROUP = 3
PERIOD_DAYS = {"week": 7, "month": 30}
TREND_WEEKS = 8
WEAKEST = 3
STEADY_POINTS = 0.05  # a change of under 5 points between the first and last shown week is "steady"


class Counts(Protocol):
    @property
    def answers(self) -> int: ...
    @property
    def correct(self) -> int: ...
    @property
    def people(self) -> int: ...


def shown(counts: Counts | None) -> float | None:
    """Accuracy (share of fully correct answers), or None when fewer than MIN_GROUP people stand behind it."""
    if counts is None or counts.people < MIN_GROUP or counts.answers == 0:
        return None
    return counts.correct / counts.answers


def period_bounds(until: datetime, period: str) -> list[datetime]:
    """[previous start, current start, until]: two equal windows ending at `until`."""
    days = timedelta(days=PERIOD_DAYS[period])
    return [until - 2 * days, until - days, until]


def week_bounds(until: datetime, weeks: int = TREND_WEEKS) -> list[datetime]:
    return [until - timedelta(weeks=weeks - i) for i in range(weeks + 1)]


@dataclass(frozen=True)
class TopicFigure:
    topic: str
    title: str
    now: float | None
    before: float | None


@dataclass(frozen=True)
class WeakTopic:
    topic: str
    title: str
    accuracy: float
    question_id: str | None  # None when no question of it was answered by MIN_GROUP people
    question: str | None
    missed: float | None  # share of that question's answers that were wrong


@dataclass(frozen=True)
class Insights:
    scope: str  # "#C0123's quiz" / "team Ops"
    period: str  # week | month
    since: datetime
    until: datetime
    active: int | None  # people who answered in the period; None when fewer than MIN_GROUP
    ever: int  # people who ever answered in the scope (0..: the report is empty below MIN_GROUP)
    overall_now: float | None
    overall_before: float | None
    topics: tuple[TopicFigure, ...]  # with a figure now, weakest first
    hidden_topics: int  # topics answered in the period by fewer than MIN_GROUP people
    weakest: tuple[WeakTopic, ...]
    trend: tuple[float | None, ...]  # overall accuracy per week, oldest first
    trend_word: str  # rising | falling | steady | unclear

    @property
    def too_few(self) -> bool:
        """Nothing to show at all: the scope has fewer than MIN_GROUP people, or the period has."""
        return self.ever < MIN_GROUP or self.active is None

    @property
    def suppressed_any(self) -> bool:
        return self.too_few or self.hidden_topics > 0 or any(v is None for v in self.trend)


def trend_word(series: Sequence[float | None]) -> str:
    points = [v for v in series if v is not None]
    if len(points) < 2:
        return "unclear"
    change = points[-1] - points[0]
    return "rising" if change >= STEADY_POINTS else "falling" if change <= -STEADY_POINTS else "steady"


def build_insights(
    *,
    scope: str,
    period: str,
    bounds: Sequence[datetime],
    ever: int,
    windows: Sequence[Counts],  # [previous, current], all topics
    topics_now: Mapping[str, Counts],
    topics_before: Mapping[str, Counts],
    questions: Sequence[tuple[str, str, Counts]],  # (topic, question id, tally) in the current period
    weekly: Sequence[Counts],  # all topics, one per week, oldest first
    titles: Mapping[str, str],
    prompts: Mapping[str, str],
) -> Insights:
    previous, current = windows
    active = current.people if current.people >= MIN_GROUP and ever >= MIN_GROUP else None
    figures = [
        TopicFigure(t, titles.get(t, t), shown(c), shown(topics_before.get(t)))
        for t, c in topics_now.items()
        if shown(c) is not None
    ]
    figures.sort(key=lambda f: (f.now, f.title))
    hidden = sum(1 for c in topics_now.values() if c.answers and shown(c) is None)
    weakest = tuple(_weak(f, questions, prompts) for f in figures[:WEAKEST])
    trend = tuple(shown(w) for w in weekly)
    return Insights(
        scope=scope,
        period=period,
        since=bounds[-2],
        until=bounds[-1],
        active=active,
        ever=ever,
        overall_now=shown(current),
        overall_before=shown(previous),
        topics=tuple(figures),
        hidden_topics=hidden,
        weakest=weakest,
        trend=trend,
        trend_word=trend_word(trend),
    )


def _weak(figure: TopicFigure, questions: Sequence[tuple[str, str, Counts]], prompts: Mapping[str, str]) -> WeakTopic:
    candidates = [
        (1 - (shown(c) or 0.0), c.answers - c.correct, q)
        for t, q, c in questions
        if t == figure.topic and shown(c) is not None and c.correct < c.answers
    ]
    assert figure.now is not None
    if not candidates:
        return WeakTopic(figure.topic, figure.title, figure.now, None, None, None)
    missed, _, question_id = max(candidates, key=lambda m: (m[0], m[1], m[2]))
    return WeakTopic(figure.topic, figure.title, figure.now, question_id, prompts.get(question_id), missed)


@dataclass(frozen=True)
class ChartSeries:
    """Accuracy per topic per week (None where fewer than MIN_GROUP people answered), for the chart."""

    weeks: tuple[date, ...]  # each week's first day
    lines: tuple[tuple[str, tuple[float | None, ...]], ...]  # (topic title, accuracy per week)

    @property
    def empty(self) -> bool:
        return not self.lines


def chart_series(
    bounds: Sequence[datetime], cells: Sequence[tuple[int, str, Counts]], titles: Mapping[str, str], limit: int = 8
) -> ChartSeries:
    """The `limit` most-answered topics that have at least one shown week; the rest would be unreadable."""
    weeks = len(bounds) - 1
    per_topic: dict[str, list[float | None]] = {}
    volume: dict[str, int] = {}
    for bucket, topic, counts in cells:
        per_topic.setdefault(topic, [None] * weeks)[bucket] = shown(counts)
        volume[topic] = volume.get(topic, 0) + counts.answers
    kept = [t for t, values in per_topic.items() if any(v is not None for v in values)]
    kept.sort(key=lambda t: (-volume[t], titles.get(t, t)))
    lines = tuple((titles.get(t, t), tuple(per_topic[t])) for t in sorted(kept[:limit], key=lambda t: titles.get(t, t)))
    return ChartSeries(tuple(b.date() for b in bounds[:-1]), lines)
