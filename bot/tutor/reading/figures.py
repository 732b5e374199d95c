"""How well a reader does on labelled questions: the one definition of every figure the tests, README and
`lab2prod eval` report.

top-1: share of on-subject questions answered (band answer) with the labelled topic; a "did you mean" is not top-1.
suggested: share of on-subject questions not top-1 whose labelled topic is among the suggestions.
answered or offered: top-1 plus suggested.
rejection: share of off-subject questions (topic None) given no topic.
confidently wrong: share of on-subject questions answered with another topic.
Only counts leave this module, never a question, so a test set cannot leak through a printout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Figures:
    on: int
    off: int
    top1: float
    suggested: float
    rejection: float
    wrong: float

    @property
    def answered_or_offered(self) -> float:
        return self.top1 + self.suggested

    def line(self) -> str:
        parts = [f"on-subject {self.on:3d}", f"off-subject {self.off:3d}"]
        if self.on:
            parts += [f"top-1 {self.top1:6.1%}", f"right topic among suggestions {self.suggested:5.1%}"]
            parts += [f"confidently wrong {self.wrong:5.1%}"]
        if self.off:
            parts.append(f"rejection {self.rejection:6.1%}")
        return ", ".join(parts)

    def as_json(self) -> dict[str, float | int]:
        return {
            "on_subject": self.on,
            "off_subject": self.off,
            "top1": round(self.top1, 4),
            "answered_or_offered": round(self.answered_or_offered, 4),
            "confidently_wrong": round(self.wrong, 4),
            "off_subject_rejected": round(self.rejection, 4),
        }


def figures(match: Callable[[str], object], entries: Iterable[Mapping[str, object]]) -> Figures:
    """`entries`: {"q": question, "topic": topic id or None for off-subject}; `match`: a reader's match."""
    top1 = suggested = wrong = rejected = on = off = 0
    for entry in entries:
        result = match(str(entry["q"]))
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
