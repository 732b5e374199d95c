"""What leaderboards, personal stats and the App Home show: plain data the services fill and the blocks draw."""

from __future__ import annotations

from dataclasses import dataclass, field

TOP = 10  # rows on a board


@dataclass(frozen=True)
class Row:
    rank: int
    key: str  # user id or team name
    name: str
    points: float
    accuracy: float
    streak: int | None = None  # people only
    active: int | None = None  # teams only


@dataclass(frozen=True)
class Board:
    period: str  # week | month | all
    teams: bool
    rows: list[Row]
    you: Row | None = None  # the asker, when outside the top rows
    tz: str = "UTC"


@dataclass(frozen=True)
class Stats:
    points: float
    rank: int | None
    people: int
    streak: int
    accuracy: float
    answers: int
    team: str | None
    team_rank: int | None
    mastery: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic -> (right, of recent)
