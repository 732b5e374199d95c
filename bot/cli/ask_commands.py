"""`lab2prod ask` and `lab2prod topics`: the tutor in a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.runtime import bank_or_exit, language_model_or_exit
from bot.cli.text_output import render_match
from bot.services.runtime.language_model import read
from bot.tutor.reading import build_readers


def add_commands(sub: Any) -> None:
    ask = sub.add_parser("ask", help="answer a question in the terminal")
    ask.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(func=ask_command)
    sub.add_parser("topics", help="list the topics the tutor can explain").set_defaults(func=topics_command)


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
