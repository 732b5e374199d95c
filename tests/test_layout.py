"""The layout stays navigable: a room per job (no folder of bot/ with more than 12 modules) and small modules
(none over 320 lines), so the next person finds 'what happens when a quiz closes' without scanning a list.
Import cycles are checked by `lint-imports` (the acyclic_siblings contract in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULES_PER_FOLDER = 12
MAX_LINES = 320


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def test_no_folder_of_bot_holds_more_than_twelve_modules():
    folders: dict[Path, int] = {}
    for module in _modules("bot"):
        if module.name != "__init__.py":
            folders[module.parent] = folders.get(module.parent, 0) + 1
    crowded = {str(f.relative_to(ROOT)): n for f, n in folders.items() if n > MAX_MODULES_PER_FOLDER}
    assert folders and not crowded


@pytest.mark.parametrize("package", ["bot", "storage", "content"])
def test_no_module_is_over_320_lines(package):
    modules = _modules(package)
    long = {str(m.relative_to(ROOT)): n for m in modules if (n := len(m.read_text().splitlines())) > MAX_LINES}
    assert modules and not long
