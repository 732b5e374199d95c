"""The labelled sets of tests/data, and the figures every test prints (defined in bot/tutor/reading/figures.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.tutor.reading.figures import Figures, figures

DATA = Path(__file__).resolve().parents[2] / "data"

__all__ = ["DATA", "Figures", "figures", "load"]


def load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
