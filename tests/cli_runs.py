"""Runs the `lab2prod` command line as a user would: a real process with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(env),
        timeout=120,
    )


def run_at_once(copies: int, *args: str, env: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """Start `copies` processes of the same command together (cron on several hosts); (exit code, out, err)."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT,
            env=_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(copies)
    ]
    outputs = [r.communicate(timeout=120) for r in runs]
    return [(r.returncode, out, err) for r, (out, err) in zip(runs, outputs, strict=True)]
