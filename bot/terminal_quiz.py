"""`lab2prod quiz`: a practice question in the terminal, graded with the same rules as Slack."""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from bot import quiz_service
from bot.blocks.quiz import LETTERS
from bot.context import Context
from content.models import Question

WORKSPACE = "terminal"  # answers given here count for the local person's mastery, never a Slack leaderboard


def parse_choice(question: Question, text: str) -> frozenset[int] | None:
    text = text.strip().lower()
    if question.kind == "true_false" and text in ("t", "true", "f", "false"):
        return frozenset({0 if text.startswith("t") else 1})
    letters = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    if not letters or any(len(p) != 1 or p.upper() not in LETTERS[: len(question.options)] for p in letters):
        return None
    return frozenset(LETTERS.index(p.upper()) for p in letters)


def show(question: Question, out: TextIO) -> None:
    out.write(f"\n[{question.id}, difficulty {question.difficulty}] {question.prompt}\n")
    for i, option in enumerate(question.options):
        out.write(f"  {LETTERS[i]}. {option.text}\n")
    hint = {"single": "one letter", "multi": "all letters that apply, e.g. A,C", "true_false": "true or false"}
    out.write(f"Answer with {hint[question.kind]}.\n")


def run_practice(ctx: Context, answer: str | None, question_id: str | None, out: TextIO = sys.stdout) -> int:
    user = getpass.getuser()
    if question_id and question_id not in ctx.bank.questions_by_id:
        out.write(f"there is no question {question_id!r}; run  lab2prod quiz  for a new one\n")
        return 2
    question = (
        ctx.bank.questions_by_id[question_id]
        if question_id
        else quiz_service.practice_question(ctx, WORKSPACE, user)[0]
    )
    show(question, out)
    if answer is None:
        if not sys.stdin.isatty():
            out.write(f"(to answer: lab2prod quiz --question {question.id} --answer A)\n")
            return 0
        answer = input("> ")
    chosen = parse_choice(question, answer)
    while chosen is None and sys.stdin.isatty():
        answer = input("Please answer with the letters shown (or true/false): ")
        chosen = parse_choice(question, answer)
    if chosen is None:
        out.write(f"{answer!r} is not one of the options.\n")
        return 2
    outcome = quiz_service.answer_practice(ctx, WORKSPACE, user, question.id, chosen)
    out.write(f"\n{outcome.text}\n")
    for i, option in enumerate(question.options):
        mark = "✔" if option.correct else "✘"
        out.write(f"  {mark} {LETTERS[i]}. {option.text}\n      {option.why}\n")
    return 0
