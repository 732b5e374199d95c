"""Reads topics.yaml and quiz.yaml, validates them, and reports problems as file:line messages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from content.models import Question, QuizFile, Topic, TopicFile

CONTENT_DIR = Path(__file__).resolve().parent
TOPICS_FILE = "topics.yaml"
QUIZ_FILE = "quiz.yaml"


class ContentError(Exception):
    """The bank has problems; `problems` holds one 'file:line: message' string each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Bank:
    topics: dict[str, Topic]
    questions: tuple[Question, ...] = ()
    questions_by_id: dict[str, Question] = field(default_factory=dict)

    @property
    def phrasing_count(self) -> int:
        return sum(len(t.phrasings) for t in self.topics.values())


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """1-based line of the YAML node at a pydantic error location (the deepest node that exists)."""
    line = node.start_mark.line + 1 if node else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node, line = match, match.start_mark.line + 1
    return line


def _duplicate_keys(node: yaml.Node | None, path: str) -> list[str]:
    """PyYAML silently keeps the last of two equal keys; an author almost never means that."""
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(f"{path}:{key.start_mark.line + 1}: duplicate key {key.value!r}")
            seen.add(key.value)
            problems += _duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(item, path)
    return problems


def _parse(path: Path, model: type[BaseModel]) -> tuple[Any, yaml.Node | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, None, [f"{path}:1: cannot read: {exc.strerror or exc}"]
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, None, [f"{path}:{line}: broken YAML: {getattr(exc, 'problem', None) or exc}"]
    problems = _duplicate_keys(node, str(path))
    try:
        return model.model_validate(data), node, problems
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "file"
            problems.append(f"{path}:{line_of(node, err['loc'])}: {where}: {err['msg']}")
        return None, node, problems


def _duplicates(path: Path, node: yaml.Node | None, key: str, ids: list[str]) -> list[str]:
    return [
        f"{path}:{line_of(node, (key, i, 'id'))}: duplicate id {item!r}"
        for i, item in enumerate(ids)
        if ids.index(item) != i
    ]


def load_topics(path: Path) -> tuple[dict[str, Topic], list[str]]:
    parsed, node, problems = _parse(path, TopicFile)
    if parsed is None:
        return {}, problems
    ids = [t.id for t in parsed.topics]
    problems += _duplicates(path, node, "topics", ids)
    for i, topic in enumerate(parsed.topics):
        for j, rel in enumerate(topic.related):
            if rel not in ids:
                problems.append(f"{path}:{line_of(node, ('topics', i, 'related', j))}: unknown related topic {rel!r}")
    return {t.id: t for t in parsed.topics}, problems


def load_questions(path: Path, topic_ids: set[str]) -> tuple[list[Question], list[str]]:
    parsed, node, problems = _parse(path, QuizFile)
    if parsed is None:
        return [], problems
    problems += _duplicates(path, node, "questions", [q.id for q in parsed.questions])
    ideas: dict[tuple[str, str], str] = {}
    retired = set(parsed.retired)
    for i, question in enumerate(parsed.questions):
        if question.id in retired:
            problems.append(
                f"{path}:{line_of(node, ('questions', i, 'id'))}: id {question.id!r} is retired (its answers and"
                " statistics belong to an earlier question): give this item a new id"
            )
        if topic_ids and question.topic not in topic_ids:
            problems.append(f"{path}:{line_of(node, ('questions', i, 'topic'))}: unknown topic {question.topic!r}")
        key = (question.topic, " ".join(question.idea.casefold().split()))
        if key in ideas:
            problems.append(
                f"{path}:{line_of(node, ('questions', i, 'idea'))}: idea {question.idea!r} is already tested by"
                f" {ideas[key]!r} in topic {question.topic!r}"
            )
        ideas.setdefault(key, question.id)
    return list(parsed.questions), problems


def bank_paths(where: Path | str | None = None) -> tuple[Path, Path | None]:
    """The topics file and the quiz file (None: none to read) that load_bank reads for `where`."""
    where = Path(where) if where else CONTENT_DIR
    folder = where if where.is_dir() else where.parent
    topics_path = folder / TOPICS_FILE if where.is_dir() or where.name != TOPICS_FILE else where
    quiz_path = folder / QUIZ_FILE if where.is_dir() else (where if where.name != TOPICS_FILE else None)
    if not topics_path.exists():
        topics_path = CONTENT_DIR / TOPICS_FILE  # a lone quiz file is checked against the shipped topics
    return topics_path, quiz_path if quiz_path is not None and quiz_path.exists() else None


def load_bank(where: Path | str | None = None) -> Bank:
    """Load and validate a content folder (or a single topics/quiz file); raise ContentError on any problem."""
    if not Path(where or CONTENT_DIR).exists():
        raise ContentError([f"{where}:1: no such file or folder"])
    topics_path, quiz_path = bank_paths(where)
    topics, problems = load_topics(topics_path)
    questions: list[Question] = []
    if quiz_path is not None:
        questions, quiz_problems = load_questions(quiz_path, set(topics))
        problems += quiz_problems
    if problems:
        raise ContentError(problems)
    return Bank(topics=topics, questions=tuple(questions), questions_by_id={q.id: q for q in questions})


def summary(bank: Bank) -> str:
    kinds = Counter(q.kind for q in bank.questions)
    return (
        f"{len(bank.topics)} topics, {bank.phrasing_count} phrasings, {len(bank.questions)} questions"
        f" ({kinds['single']} single, {kinds['multi']} multi, {kinds['true_false']} true/false)"
    )
