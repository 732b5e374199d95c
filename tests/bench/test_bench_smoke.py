"""The benchmarks run, on tiny inputs, so they cannot rot. Their numbers are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import answers, leaderboard, matcher, reviews
from tests.cli_runs import ROOT


def test_matcher_benchmark_runs():
    result = matcher.main(["--repeat", "1"])
    assert result["questions"] >= 150 and result["ratio"] > 0


def test_answers_benchmark_runs():
    [result] = answers.main(["--clicks", "40", "--senders", "4", "--latencies", "50"])
    assert result["clicks"] == 40 and result["full_cps"] > 0
    assert result["people_told_once"] == result["people"] == 20  # the benchmark's own count is right
    assert result["app_cpu_ms"] > 0 and result["bare_cpu_ms"] > 0 and result["courier_cpu_ms"] > 0


def test_leaderboard_benchmark_runs():
    result = leaderboard.main(["--answers", "2000", "--people", "50", "--teams", "5", "--repeat", "1"])
    assert set(result) >= {"count_ms", "people week", "teams all", "app home"}


def test_reviews_benchmark_runs():
    result = reviews.main(["--people", "30", "--answers", "600", "--repeat", "1", "--writes", "4"])
    assert result["people"] == 30 and result["pick_due"] > 0 and result["write card"] > 0


@pytest.mark.parametrize("name", ["matcher", "answers", "leaderboard", "reviews"])
def test_each_benchmark_runs_as_the_readme_says(name):
    """`python -m bench.NAME` must reach main (bench.leaderboard once had no __main__ guard and did nothing)."""
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr


def test_insights_benchmark_runs(capsys):
    from bench import insights

    assert insights.main(["--answers", "3000", "--people", "20", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "insights, week" in out and "chart render" in out and "ratio" in out
