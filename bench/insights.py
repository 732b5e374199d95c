"""Team insights for one channel with a million answers, and the chart, beside baselines from the same run.

Fills a SQLite database (directly, not through the app) with --answers answers (default 1,000,000) in one
channel from --people people (500) over a year, on 96 questions in 18 topics. Then times, --repeat times:

* insights: `build_report` for the channel's last week against the week before, exactly as `/tutor insights`
  computes it (five aggregate queries, the privacy rule, no rendering). Baseline: `SELECT count(*)` over the
  same channel's answers. Target: under 500 ms.
* the chart: the 8-week series (one query) rendered to PNG with matplotlib's Agg canvas. Baseline: saving an
  empty Agg figure of the same size. Target: under 300 ms (the render alone, and with the query).

Cold: the first call on a new engine (SQLite's page cache empty; the OS file cache is not dropped) and the
first render in the process (matplotlib's import included in a separate line). Warm: the calls after.
Reported as median and p99 of every run, never the best. Left out: Slack (the response_url post and the
files_upload_v2 round trips), Block Kit rendering (microseconds), PostgreSQL.
Run: python -m bench.insights [--answers N] [--people P] [--repeat R] [--db PATH]
"""

from __future__ import annotations

import argparse
import io
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.stats import Timing, summarize_ms, time_ms
from bot.services.learning import chart
from storage.db import reading, upgrade

NOW = datetime(2026, 11, 25, 12, 0)
DAYS = 365


def fill(path: Path, answers: int, people: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    from content.loader import load_bank

    bank = load_bank()
    questions = [(q.id, q.topic, q.difficulty) for q in bank.questions]
    start = NOW - timedelta(days=DAYS)
    rows = []
    for _ in range(answers):
        qid, topic, level = questions[rng.randrange(len(questions))]
        at = start + timedelta(seconds=rng.randrange(DAYS * 86400))
        right = rng.random() < 0.65
        rows.append(("T1", f"U{rng.randrange(people):05d}", "C1", qid, topic, level, "0", float(right), right, at))
    con.executemany(
        "INSERT INTO answers (workspace_id, user_id, channel_id, question_id, topic, difficulty, choice, credit,"
        " correct, answered_at, practice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        ((*r[:9], r[9].isoformat(sep=" ")) for r in rows),
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


def render_empty_png() -> bytes:
    """The baseline: an empty Agg figure of the same size, saved the same way."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(chart.WIDTH_IN, chart.HEIGHT_IN), dpi=chart.DPI)
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    path = args.db or Path(tempfile.mkdtemp()) / "insights.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        upgrade(url)
        started = time.perf_counter()
        fill(path, args.answers, args.people)
        print(f"filled {args.answers:,} answers in {time.perf_counter() - started:.0f} s: {path}")

    from bot.services.learning import insights
    from bot.services.runtime.context import build_context

    target = insights.Target("T1", "C1")

    def fresh():  # a new engine: SQLite's page cache starts empty
        return build_context(url, clock=lambda: NOW)

    def count(ctx) -> int:
        with reading(ctx.sessions) as session:
            return session.scalar(text("SELECT count(*) FROM answers WHERE workspace_id='T1' AND channel_id='C1'"))

    def cold(work, runs: int = 3) -> Timing:
        """`work(ctx)` on a new engine each time: the first call after SQLite's page cache is empty."""
        samples = []
        for _ in range(runs):
            fresh_ctx = fresh()
            samples.append(time_ms(lambda c=fresh_ctx: work(c), 1).median_ms)
        return summarize_ms(samples)

    ctx = fresh()
    week = lambda c: insights.build_report(c, target, "week", NOW)  # noqa: E731
    month = lambda c: insights.build_report(c, target, "month", NOW)  # noqa: E731
    results: dict[str, tuple[Timing, Timing]] = {
        "insights, week": (cold(week), time_ms(lambda: week(ctx), args.repeat)),
        "insights, month": (cold(month), time_ms(lambda: month(ctx), args.repeat)),
        "baseline: count(*)": (cold(count), time_ms(lambda: count(ctx), args.repeat)),
    }
    started = time.perf_counter()
    import matplotlib.backends.backend_agg
    import matplotlib.figure  # noqa: F401

    from bot.services.learning.chart import render_png

    import_ms = (time.perf_counter() - started) * 1000
    series = insights.build_chart(ctx, target, NOW)
    title = "Accuracy per topic, last 8 weeks"
    results["chart render"] = (
        time_ms(lambda: render_png(series, title), 1),
        time_ms(lambda: render_png(series, title), args.repeat),
    )
    results["baseline: empty Agg figure"] = (time_ms(render_empty_png, 1), time_ms(render_empty_png, args.repeat))
    results["chart query + render"] = (
        cold(lambda c: insights.chart_png(c, target, NOW), 1),
        time_ms(lambda: insights.chart_png(ctx, target, NOW), args.repeat),
    )
    print(f"matplotlib import (once per process, before the first chart): {import_ms:.0f} ms")
    base = {"insights, week": "baseline: count(*)", "insights, month": "baseline: count(*)"}
    base |= {"chart render": "baseline: empty Agg figure", "chart query + render": "baseline: empty Agg figure"}
    for name, (cold_t, warm_t) in results.items():
        ratio = ""
        if name in base:
            b_cold, b_warm = results[base[name]]
            cold_x, warm_x = cold_t.median_ms / b_cold.median_ms, warm_t.median_ms / b_warm.median_ms
            ratio = f"  ratio: cold {cold_x:.1f}x, warm {warm_x:.1f}x"
        print(f"{name:28s} cold {cold_t.line()}\n{'':28s} warm {warm_t.line()}{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
