"""What a reading produces and what it reads: the bands, the `Match` the services render, a topic as plain text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

FACETS = ("research", "production", "example", "why")


class Band(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NOT_COVERED = "not_covered"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Match:
    question: str
    topic: str | None
    confidence: float
    suggestions: tuple[str, ...]
    band: Band
    also: tuple[str, ...] = ()
    facet: str | None = None

    def as_json(self) -> dict[str, object]:
        """The `lab2prod ask --json` contract: exactly these keys, in this order."""
        return {
            "question": self.question,
            "topic": self.topic,
            "confidence": round(self.confidence, 3),
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class TopicTexts:
    """What the readers need of a topic: plain strings, so the core never imports the content models."""

    id: str
    title: str
    aliases: tuple[str, ...]
    phrasings: tuple[str, ...]
    research: str = ""
    production: str = ""
    key_points: tuple[str, ...] = ()
    example: str = ""


def topic_texts(t: object) -> TopicTexts:
    """TopicTexts from the content models (anything with the same attributes), or itself."""
    if isinstance(t, TopicTexts):
        return t
    return TopicTexts(
        t.id,  # type: ignore[attr-defined]
        t.title,  # type: ignore[attr-defined]
        tuple(t.aliases),  # type: ignore[attr-defined]
        tuple(t.phrasings),  # type: ignore[attr-defined]
        t.answer.research,  # type: ignore[attr-defined]
        t.answer.production,  # type: ignore[attr-defined]
        tuple(t.key_points),  # type: ignore[attr-defined]
        t.example,  # type: ignore[attr-defined]
    )
