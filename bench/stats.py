"""Timing helpers shared by the benchmarks: every run is kept, and the report says median and p99."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    runs: int
    median_ms: float
    p99_ms: float
    max_ms: float

    def line(self) -> str:
        return (
            f"median {self.median_ms:8.2f} ms  p99 {self.p99_ms:8.2f} ms  max {self.max_ms:8.2f} ms  ({self.runs} runs)"
        )


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def summarize_ms(samples_ms: list[float]) -> Timing:
    return Timing(len(samples_ms), statistics.median(samples_ms), percentile(samples_ms, 0.99), max(samples_ms))


def time_ms(run: Callable[[], object], repeat: int) -> Timing:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return summarize_ms(samples)


def cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU seconds used so far by this process (pid None) or by another live one (Linux's /proc).
    CPU, not wall time, says what a burst costs: wall time on two shared cores mostly measures who waited."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
