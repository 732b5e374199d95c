"""Adding phrasings to topics.yaml in place: comments, order, quoting and anchors stay as the authors wrote them.

ruamel.yaml's round-trip mode reads the file into a document that remembers its layout; a new phrasing is
appended to its topic's list, the whole file is checked with the same loader `serve` uses, and only a file
that passes replaces the old one (through a temporary file, synced to disk before the rename and the directory
after it, so a crash never leaves half a bank). Each accept holds an exclusive lock on `topics.yaml.lock` beside
the file from its read to its write, so two accepts at once both land."""

from __future__ import annotations

import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from content.loader import load_topics


@dataclass(frozen=True)
class Addition:
    topic: str
    phrasing: str


@dataclass(frozen=True)
class Outcome:
    addition: Addition
    status: str  # added | present (already a phrasing of that topic) | refused
    reason: str = ""


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the long flow lists and answers
    yaml.indent(mapping=2, sequence=4, offset=2)  # the bank's own layout: "  - id:" under "topics:"
    return yaml


def _keep_anchors(node: Any) -> None:
    """ruamel drops an anchor nothing refers to yet (`&imdb`); the authors keep them for later references."""
    anchor = getattr(node, "anchor", None)
    if anchor is not None and anchor.value:
        anchor.always_dump = True
    if isinstance(node, dict):
        for value in node.values():
            _keep_anchors(value)
    elif isinstance(node, list):
        for value in node:
            _keep_anchors(value)


def _scalar(text: str) -> str:
    """The phrasing as ruamel should write it. ruamel writes YAML 1.2, where a bare `yes` or `1e3` is text; the
    loader (PyYAML) reads YAML 1.1, where they are a bool and a number: those get quotes."""
    try:
        plain = pyyaml.safe_load(text) == text
    except pyyaml.YAMLError:
        plain = False
    return text if plain else DoubleQuotedScalarString(text)


def _key(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _problems(text: str, path: Path) -> list[str]:
    """The loader's verdict on a candidate `path`, written beside it; the messages name `path` and a line."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=path.parent, delete=False, encoding="utf-8") as out:
        out.write(text)
    try:
        return [problem.replace(out.name, str(path)) for problem in load_topics(Path(out.name))[1]]
    finally:
        os.unlink(out.name)


def _dump(yaml: YAML, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def add_phrasings(path: Path, additions: list[Addition]) -> list[Outcome]:
    """Append each phrasing to its topic in `path`, in the given order; write the file once, if anything was added.

    A phrasing is refused when its topic is not in the file, when another topic already has it (the matcher
    would learn a contradiction), or when the file with it no longer validates. One already in its own topic
    is reported as `present` and changes nothing."""
    try:
        with _locked(path):
            return _add(path, additions)
    except OSError as exc:  # the lock file cannot be made: a read-only directory, say
        return [Outcome(a, "refused", f"cannot lock {path}: {exc}") for a in additions]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across read, edit and write; another accept (a thread or a process) waits for it."""
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _add(path: Path, additions: list[Addition]) -> list[Outcome]:
    yaml = _yaml()
    try:
        original = path.read_text(encoding="utf-8")
        document = yaml.load(original)
    except (OSError, YAMLError) as exc:
        return [Outcome(a, "refused", f"cannot read {path}: {exc}") for a in additions]
    before = _problems(original, path)
    if before:
        return [Outcome(a, "refused", f"{path} does not validate as it is: {before[0]}") for a in additions]
    _keep_anchors(document)
    topics = {str(t.get("id")): t for t in document.get("topics") or [] if isinstance(t, dict)}
    owners = {_key(p): tid for tid, t in topics.items() for p in t.get("phrasings") or []}
    outcomes: list[Outcome] = []
    for addition in additions:
        topic = topics.get(addition.topic)
        owner = owners.get(_key(addition.phrasing))
        if topic is None:
            outcomes.append(Outcome(addition, "refused", f"there is no topic {addition.topic!r} in {path.name}"))
        elif owner == addition.topic:
            outcomes.append(Outcome(addition, "present", f"already a phrasing of {owner!r}"))
        elif owner is not None:
            outcomes.append(Outcome(addition, "refused", f"already a phrasing of another topic, {owner!r}"))
        else:
            topic["phrasings"].append(_scalar(addition.phrasing))
            problems = _problems(_dump(yaml, document), path)
            if problems:
                topic["phrasings"].pop()
                outcomes.append(Outcome(addition, "refused", f"the bank would not validate: {problems[0]}"))
            else:
                owners[_key(addition.phrasing)] = addition.topic
                outcomes.append(Outcome(addition, "added"))
    if any(o.status == "added" for o in outcomes):
        _replace(path, _dump(yaml, document))
    return outcomes


def _replace(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".tmp", dir=path.parent, delete=False, encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())  # on disk before the rename: a crash leaves the old bank or the new, never an empty one
    os.chmod(out.name, path.stat().st_mode & 0o777)  # a temporary file is private; the bank keeps its own mode
    os.replace(out.name, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)
