"""Reading questions in a terminal: `lab2prod ask`, `lab2prod topics`, and `lab2prod eval`, which measures the
configured readers (the language model too, when one is set) on any labelled set."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.cli.runtime import bank_or_exit, language_model_or_exit
from bot.cli.text_output import render_match
from bot.services.runtime.language_model import read
from bot.tutor.reading import build_readers
from bot.tutor.reading.figures import figures

_NULLS = {"", "null", "none", "~"}


def add_commands(sub: Any) -> None:
    ask = sub.add_parser("ask", help="answer a question in the terminal")
    ask.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(func=ask_command)
    sub.add_parser("topics", help="list the topics the tutor can explain").set_defaults(func=topics_command)
    _add_eval(sub)


def ask_command(args: argparse.Namespace) -> int:
    bank = bank_or_exit()
    matcher = build_readers(bank.topics)
    model = language_model_or_exit(bank)
    questions = (line.rstrip("\n") for line in sys.stdin) if args.question == "-" else [args.question]
    for question in questions:  # a blank line still gets its line of output, so answers line up with input
        match, reader = read(matcher, model, question)
        if args.json:
            # With a language model configured, "reader" says which reader's verdict this is (local or model).
            out = match.as_json() | ({"reader": reader} if model is not None else {})
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            sys.stdout.write(render_match(bank, match) + "\n\n")
    return 0


def topics_command(args: argparse.Namespace) -> int:
    for topic in bank_or_exit().topics.values():
        sys.stdout.write(f"{topic.id:18} {topic.title}\n")
    return 0


_NULLS = {"", "null", "none", "~"}


def _add_eval(sub: Any) -> None:
    ev = sub.add_parser("eval", help="measure the readers on a labelled set of questions")
    ev.add_argument(
        "--set",
        dest="path",
        metavar="FILE",
        help="labelled questions: YAML (a list of {q, topic}) or TSV (question<TAB>topic); "
        "an empty or null topic marks an off-subject question",
    )
    ev.add_argument("--json", action="store_true", help="the figures as one JSON object")
    ev.set_defaults(func=eval_command)


def read_set(path: Path) -> list[dict[str, str | None]]:
    """The labelled questions in a file, or SystemExit with what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from exc
    if path.suffix.lower() == ".tsv":
        return _tsv(path, text)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise SystemExit(f"{path}: expected a .yaml, .yml or .tsv file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SystemExit(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a list of entries with 'q' and 'topic'")
    entries = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or "topic" not in item:
            raise SystemExit(f"{path}: entry {n} needs a 'q' (text) and a 'topic' (an id, or null for off-subject)")
        topic = None if item["topic"] is None else str(item["topic"]).strip()
        # As in TSV, an empty topic (or "null", "none", "~" in quotes) is off-subject, not an unknown id.
        entries.append({"q": item["q"], "topic": None if topic is None or topic.lower() in _NULLS else topic})
    return entries


def _tsv(path: Path, text: str) -> list[dict[str, str | None]]:
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        question, tab, topic = line.partition("\t")
        if not tab or not question.strip():
            raise SystemExit(f"{path}:{n}: expected 'question<TAB>topic' (an empty topic for off-subject)")
        topic = topic.strip()
        entries.append({"q": question, "topic": None if topic.lower() in _NULLS else topic})
    return entries


def eval_command(args: argparse.Namespace) -> int:
    if not args.path:
        raise SystemExit(
            "give a labelled set with --set FILE.yaml or FILE.tsv (the project's own sets live in its tests/data)"
        )
    path = Path(args.path)
    entries = read_set(path)
    if not entries:
        raise SystemExit(f"{path}: no questions")
    bank = bank_or_exit()
    unknown = sorted({str(e["topic"]) for e in entries if e["topic"] is not None and e["topic"] not in bank.topics})
    if unknown:
        raise SystemExit(f"{path}: topics not in the bank: {', '.join(unknown)} (see `lab2prod topics`)")
    readers, model = build_readers(bank.topics), language_model_or_exit(bank)
    result = figures(lambda question: read(readers, model, question)[0], entries)
    if args.json:
        sys.stdout.write(json.dumps({"set": str(path), **result.as_json()}) + "\n")
        return 0
    lines = [f"{path}: {result.on} on-subject, {result.off} off-subject questions"]
    lines.append(
        "  readers: the matcher, the n-gram and the embedding readers" + (", and the language model" if model else "")
    )
    if result.on:
        lines += [
            f"  top-1                 {result.top1:6.1%}",
            f"  answered or offered   {result.answered_or_offered:6.1%}",
            f"  confidently wrong     {result.wrong:6.1%}",
        ]
    if result.off:
        lines.append(f"  off-subject rejected  {result.rejection:6.1%}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
