"""Parses the text after `/tutor` into a command. Pure; anything unrecognised is a question."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.tutor.schedule_rules import PERIODS

NO_ARG_COMMANDS = frozenset({"help", "topics", "quiz", "stats", "?"})


@dataclass(frozen=True)
class Command:
    name: str  # ask | help | topics | quiz | stats | leaderboard | team | schedule | usage
    args: tuple[str, ...] = ()
    text: str = ""
    error: str | None = field(default=None)


def parse_command(raw: str) -> Command:
    text = " ".join((raw or "").split())
    if not text:
        return Command("help")
    head, *rest = text.split(" ")
    word = head.lower()
    if word in NO_ARG_COMMANDS and not rest:
        return Command("help" if word == "?" else word)
    if word == "leaderboard":
        return _leaderboard(rest)
    if word == "team":
        return _team(rest)
    if word == "schedule":
        return _schedule(rest)
    if word == "insights":
        return _insights(rest)
    if word == "review" and (not rest or rest[0].lower() in ("on", "off")):
        return _review(rest)
    return Command("ask", text=text)


def _leaderboard(rest: list[str]) -> Command:
    words = [w.lower() for w in rest]
    period = next((w for w in words if w in PERIODS), "week")
    teams = any(w in ("team", "teams") for w in words)
    unknown = [w for w in words if w not in (*PERIODS, "team", "teams")]
    if unknown or len([w for w in words if w in PERIODS]) > 1:
        return Command("usage", error="Usage: `/tutor leaderboard [week|month|all] [teams]`")
    return Command("leaderboard", (period, "teams" if teams else "people"))


def _team(rest: list[str]) -> Command:
    if rest and rest[0].lower() == "join" and len(rest) > 1:
        return Command("team", ("join", " ".join(rest[1:])))
    if len(rest) == 1 and rest[0].lower() in ("leave", "list"):
        return Command("team", (rest[0].lower(),))
    return Command("usage", error="Usage: `/tutor team join NAME`, `/tutor team leave` or `/tutor team list`")


def _schedule(rest: list[str]) -> Command:
    if 1 <= len(rest) <= 2:
        return Command("schedule", tuple(rest))
    return Command("usage", error="Usage: `/tutor schedule HH:MM [Area/City]`, e.g. `/tutor schedule 09:30 UTC`")


INSIGHTS_USAGE = "Usage: `/tutor insights [week|month] [team NAME]` or `/tutor insights weekly on [team NAME]|off`"


def _insights(rest: list[str]) -> Command:
    """`insights [week|month] [team NAME]` -> ("week", NAME or ""); `insights weekly on|off [team NAME]`."""
    words = list(rest)
    team = ""
    lowered = [w.lower() for w in words]
    if "team" in lowered:
        at = lowered.index("team")
        team, words = " ".join(words[at + 1 :]), words[:at]
        if not team:
            return Command("usage", error=INSIGHTS_USAGE)
    head = [w.lower() for w in words]
    if head[:1] == ["weekly"]:
        if head[1:] in (["on"], ["off"]) and not (team and head[1] == "off"):
            return Command("insights_weekly", (head[1], team))
        return Command("usage", error=INSIGHTS_USAGE)
    if head in ([], ["week"], ["month"]):
        return Command("insights", (head[0] if head else "week", team))
    return Command("usage", error=INSIGHTS_USAGE)


def _review(rest: list[str]) -> Command:
    """`review` (status), `review on [HH:MM]`, `review off`; other words after `review` make a question."""
    words = [w.lower() for w in rest]
    if not words:
        return Command("review", ("status",))
    if words[0] == "on" and len(words) <= 2:
        return Command("review", tuple(words))
    if words == ["off"]:
        return Command("review", ("off",))
    return Command("usage", error="Usage: `/tutor review on [HH:MM]`, `/tutor review off` or `/tutor review`")
