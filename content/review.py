"""An author's aid for `lab2prod content check`: warnings (never errors) about wording a careful reviewer
would argue with.

Two checks, each reported as 'file:line: warning: ...' with the loader's line finder:

- Absolute words ("always", "never", "only", "at all", "no ... needed", ...) in what an item keys as right
  (a right option's text, a true statement) or in any explanation, unless a cited article uses the same
  word about the same thing. How the check knows what an article says: `source_absolutes.yaml`, generated
  by `tools/build_source_absolutes.py` from the articles, lists for each article the absolute words it
  uses and, for each use, the content words of the sentence it sits in. A use in the bank is backed when
  one of its cited articles uses the word in a sentence sharing at least `MIN_SHARED` content words with
  the bank's sentence. So the app ships no article text, and "only" in one sense does not excuse "only" in
  another.
- A source named only by its kind ("the blog post", "the LinkedIn article", "the article"): the player
  never sees which article an item cites, so a definite reference needs the title in quotes right after
  it. "One article says" is left alone: it attributes a claim without asking the player to know which.

Pure apart from reading the YAML it is given; the CLI prints the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from content.loader import line_of
from content.models import Question
from content.wording import content_words

SOURCE_ABSOLUTES_FILE = Path(__file__).resolve().parent / "source_absolutes.yaml"
MIN_SHARED = 2

# label -> pattern. "not always" and "not only" soften a claim instead of making it sweeping.
ABSOLUTES: dict[str, re.Pattern[str]] = {
    label: re.compile(pattern, re.IGNORECASE)
    for label, pattern in {
        "always": r"(?<!not )\balways\b",
        "never": r"\bnever\b",
        "only": r"(?<!not )\bonly\b",
        "at all": r"\bat all\b",
        "no ... needed": r"\bno\s+(?:[a-z'-]+\s+){0,4}?needed\b|\bno need\b|\bneeds? no\b",
        "none": r"\bnone\b",
        "impossible": r"\bimpossible\b",
        "invariably": r"\binvariably\b",
        "without exception": r"\bwithout exception\b",
    }.items()
}

# The absolute words themselves never count as shared subject matter.
_ABSOLUTE_TOKENS = frozenset(content_words("always never only none need needed needs impossible invariably exception"))

# A definite reference to one source by its kind; fine when a quoted title follows.
KIND_ONLY = re.compile(
    r"\b(?:the|this|that)\s+(?:linkedin\s+article|blog[- ]post|post|article|quiz\s+write-up|write-up)(?:'s)?\b"
    r"(?!\s*[\"'“‘])",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_SENTENCE = re.compile(r"[^.;:!?]+")

SourceAbsolutes = dict[str, dict[str, list[frozenset[str]]]]


@dataclass(frozen=True)
class Field:
    """One piece of an item's text, where it sits in the YAML, and whether the item keys it as right."""

    question: Question
    loc: tuple[int | str, ...]
    label: str
    text: str
    keyed: bool


def load_source_absolutes(path: Path = SOURCE_ABSOLUTES_FILE) -> SourceAbsolutes:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        source: {label: [frozenset(bag) for bag in bags] for label, bags in (uses or {}).items()}
        for source, uses in data.items()
    }


def absolute_uses(text: str) -> list[tuple[str, str]]:
    """(label, sentence) for every absolute word in text; quoted spans are mentions, not claims."""
    text = _QUOTED.sub(" ", text)
    return [
        (label, sentence)
        for sentence in _SENTENCE.findall(text)
        for label, pattern in ABSOLUTES.items()
        if pattern.search(sentence)
    ]


def topic_words(sentence: str) -> frozenset[str]:
    """What a sentence is about: its content words (stemmed as the cue solver does), absolutes left out."""
    return content_words(sentence) - _ABSOLUTE_TOKENS


def fields(index: int, question: Question) -> list[Field]:
    base = ("questions", index)
    if question.kind == "true_false":
        found = [Field(question, (*base, "prompt"), "statement", question.prompt, question.options[0].correct)]
    else:
        found = [Field(question, (*base, "prompt"), "prompt", question.prompt, False)]
        found += [
            Field(question, (*base, "options", j, "text"), f"option {j + 1}", o.text, o.correct)
            for j, o in enumerate(question.options)
        ]
    found += [
        Field(question, (*base, "options", j, "why"), f"explanation {j + 1}", o.why, True)
        for j, o in enumerate(question.options)
    ]
    return found


def backed(label: str, sentence: str, sources: list[str], known: SourceAbsolutes) -> bool:
    ours = topic_words(sentence)
    return any(len(ours & bag) >= MIN_SHARED for source in sources for bag in known.get(source, {}).get(label, []))


def field_warnings(field: Field, known: SourceAbsolutes) -> list[str]:
    q = field.question
    warnings = []
    if field.keyed:
        for label, sentence in absolute_uses(field.text):
            if not backed(label, sentence, list(q.sources), known):
                warnings.append(
                    f"{q.id} {field.label} says {label!r}, which its cited article(s) do not say about this;"
                    " hedge it or quote the article"
                )
    for match in KIND_ONLY.finditer(field.text):
        warnings.append(
            f"{q.id} {field.label} names a source only by its kind ({match.group(0)!r});"
            " give its title in quotes or say what is claimed without it"
        )
    return warnings


def review(path: Path, questions: tuple[Question, ...] | list[Question], known: SourceAbsolutes) -> list[str]:
    """Warnings for the questions loaded from path, each 'path:line: warning: ...', in file order."""
    node = yaml.compose(path.read_text(encoding="utf-8"))
    out = []
    for i, question in enumerate(questions):
        for field in fields(i, question):
            out += [f"{path}:{line_of(node, field.loc)}: warning: {w}" for w in field_warnings(field, known)]
    return out
