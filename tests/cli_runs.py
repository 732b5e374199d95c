"""Runs the `lab2prod` command line as a user would: a real process with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Concurrent:
    outcomes: list[tuple[int, str, str]]  # (exit code, stdout, stderr) per process
    spans: list[tuple[float, float]]  # when each process's work began and ended (wall clock)

    @property
    def overlapped(self) -> bool:
        """True when one instant lies inside every run: they really ran at the same time."""
        return max(b for b, _ in self.spans) < min(e for _, e in self.spans)


def run_at_once(copies: int, *args: str, env: dict[str, str] | None = None) -> Concurrent:
    """Start `copies` processes of one command at the same moment (cron on several hosts): each waits at a
    barrier until all have started, then runs; their spans show that they overlapped."""
    with tempfile.TemporaryDirectory() as folder:
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.barrier_launch", folder, *args],
                cwd=ROOT,
                env=_env(env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(copies)
        ]
        deadline = time.monotonic() + 60
        while len(list(Path(folder).glob("ready-*"))) < copies:
            assert time.monotonic() < deadline and all(r.poll() is None for r in runs), "a copy did not start"
            time.sleep(0.005)
        (Path(folder) / "go").touch()
        outputs = [r.communicate(timeout=120) for r in runs]
        spans = [tuple(map(float, p.read_text().split())) for p in sorted(Path(folder).glob("span-*"))]
    outcomes = [(r.returncode, out, err) for r, (out, err) in zip(runs, outputs, strict=True)]
    return Concurrent(outcomes, [(b, e) for b, e in spans])
