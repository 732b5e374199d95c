"""Aggregate accuracy figures of a matcher over labelled questions: the one definition every test prints.

top-1: share of on-subject questions answered (band answer) with the labelled topic; a "did you mean" is not top-1.
suggested: share of on-subject questions not top-1 whose labelled topic is among the suggestions.
rejection: share of off-subject questions given no topic.
confidently wrong: share of on-subject questions answered with another topic.
Only counts leave this module: never a question, so sealed questions cannot leak through a printout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[2] / "data"


def load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Figures:
    on: int
    off: int
    top1: float
    suggested: float
    rejection: float
    wrong: float

    def line(self) -> str:
        parts = [f"on-subject {self.on:3d}", f"off-subject {self.off:3d}"]
        if self.on:
            parts += [f"top-1 {self.top1:6.1%}", f"right topic among suggestions {self.suggested:5.1%}"]
            parts += [f"confidently wrong {self.wrong:5.1%}"]
        if self.off:
            parts.append(f"rejection {self.rejection:6.1%}")
        return ", ".join(parts)


def figures(match: Callable[[str], object], entries: Iterable[dict]) -> Figures:
    top1 = suggested = wrong = rejected = on = off = 0
    for entry in entries:
        result = match(entry["q"])
        topic = result.topic  # type: ignore[attr-defined]
        if entry["topic"] is None:
            off += 1
            rejected += topic is None
            continue
        on += 1
        if topic == entry["topic"]:
            top1 += 1
        elif topic is not None:
            wrong += 1
        elif entry["topic"] in result.suggestions:  # type: ignore[attr-defined]
            suggested += 1
    return Figures(
        on,
        off,
        top1 / on if on else 0.0,
        suggested / on if on else 0.0,
        rejected / off if off else 0.0,
        wrong / on if on else 0.0,
    )
