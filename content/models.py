"""Pydantic models of the teaching material: the shape every YAML entry must have."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

TopicId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
SourceId = Annotated[str, StringConstraints(pattern=r"^\d{3}_[0-9a-f]{16}$")]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s/]+\.[^\s]+$", max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contrast(Strict):
    research: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
    production: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class Reading(Strict):
    """A page the source articles point to for going further."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    url: Url


class Topic(Strict):
    id: TopicId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    aliases: list[Line] = Field(min_length=1)
    phrasings: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]] = Field(
        min_length=8
    )
    answer: Contrast
    key_points: list[Line] = Field(min_length=3, max_length=6)
    example: Line
    related: list[TopicId] = Field(default_factory=list)
    sources: list[SourceId] = Field(min_length=1)
    further_reading: list[Reading] = Field(default_factory=list)

    @model_validator(mode="after")
    def _related_are_other_distinct_topics(self) -> Topic:
        if self.id in self.related:
            raise ValueError(f"topic {self.id!r} lists itself in related")
        if len(set(self.related)) != len(self.related):
            # each related topic becomes a button, and Slack rejects two buttons with one action_id
            raise ValueError(f"topic {self.id!r} lists a related topic twice")
        urls = [r.url for r in self.further_reading]
        if len(set(urls)) != len(urls):
            raise ValueError(f"topic {self.id!r} lists a further-reading link twice")
        return self


class Option(Strict):
    # Slack cuts checkbox and button labels at 75 characters.
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]
    correct: bool
    why: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


QuizKind = Literal["single", "multi", "true_false"]


class Question(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
    topic: TopicId
    # What the question tests, in a few words; no two questions of a topic test the same idea (the loader checks).
    # Required: the check sits with the kind rules below instead of being a missing-field error, so a question
    # without an idea still gets its other problems reported in the same pass.
    idea: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = ""
    kind: QuizKind
    difficulty: Literal[1, 2, 3]
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    options: list[Option]
    sources: list[SourceId] = Field(min_length=1)

    @field_validator("options")
    @classmethod
    def _unique_texts(cls, options: list[Option]) -> list[Option]:
        texts = [o.text.casefold() for o in options]
        if len(set(texts)) != len(texts):
            raise ValueError("option texts must be unique within a question")
        return options

    @model_validator(mode="after")
    def _kind_rules(self) -> Question:
        problems = []
        n, right = len(self.options), sum(o.correct for o in self.options)
        if self.kind == "single" and not (2 <= n <= 5 and right == 1):
            problems.append(f"single needs 2-5 options with exactly one correct (has {n}, {right} correct)")
        if self.kind == "multi" and not (3 <= n <= 6 and 1 <= right < n):
            # At least one wrong option, so ticking every box can never be the right answer.
            problems.append(f"multi needs 3-6 options, at least one right and one wrong (has {n}, {right} correct)")
        if self.kind == "true_false" and not ([o.text for o in self.options] == ["True", "False"] and right == 1):
            problems.append('true_false needs exactly the options "True" then "False", one of them correct')
        if len(self.idea) < 3:
            problems.append("idea is required: say in a few words what the question tests")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def correct_indexes(self) -> frozenset[int]:
        return frozenset(i for i, o in enumerate(self.options) if o.correct)


class TopicFile(Strict):
    topics: list[Topic] = Field(min_length=1)


class QuizFile(Strict):
    questions: list[Question] = Field(min_length=1)
    # Ids of items rewritten or dropped: answers and item statistics are stored under them, so a new item
    # must never take one over (its statistics would start from another question's).
    retired: list[str] = Field(default_factory=list)
