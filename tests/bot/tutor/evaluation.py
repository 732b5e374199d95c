"""The labelled sets of tests/data, and the figures every test prints (defined in bot/tutor/reading/figures.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.tutor.reading.figures import Figures, figures

DATA = Path(__file__).resolve().parents[2] / "data"
AUTHORED = Path(__file__).resolve().parent / "authored_questions.yaml"

__all__ = ["AUTHORED", "DATA", "Figures", "authored", "figures", "load", "trained_on"]


def load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def authored() -> list[dict]:
    """The authored development questions (tests/bot/tutor/authored_questions.yaml)."""
    return yaml.safe_load(AUTHORED.read_text(encoding="utf-8"))


def trained_on() -> list[dict]:
    """Labelled development questions (the dev set, then the authored ones), where tests look for a question the
    shipped readers answer with "Did you mean" or misread. The readers trained on them, so there are few (none in
    the dev set alone), never a test-set question."""
    return [*load("eval_questions.yaml"), *authored()]
