"""Runs the `lab2prod` CLI in a process that waits at a barrier, so several copies start their work together.

python -m tests.barrier_launch FOLDER ARGS...: imports the CLI, says it is ready (FOLDER/ready-PID), waits
for FOLDER/go, runs `lab2prod ARGS`, and writes when its work began and ended to FOLDER/span-PID."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bot.cli import main as lab2prod


def run() -> int:
    folder, args = Path(sys.argv[1]), sys.argv[2:]
    (folder / f"ready-{os.getpid()}").touch()
    while not (folder / "go").exists():
        time.sleep(0.001)
    began = time.time()
    code = lab2prod(args)
    (folder / f"span-{os.getpid()}").write_text(f"{began} {time.time()}")
    return code


if __name__ == "__main__":
    raise SystemExit(run())
