"""Questions per second of the matcher on the labelled set, beside a bare rapidfuzz extractOne.

The baseline is `rapidfuzz.process.extractOne(question, every title, alias and phrasing)` with its default
scorer, measured in the same run, so the ratio holds on a busy shared machine where seconds do not.
Run: python -m bench.matcher [--repeat N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from rapidfuzz import process

from bot.tutor.matcher import build_matcher
from content.loader import load_bank

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval_questions.yaml"


def best_of(repeat: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    bank = load_bank()
    questions = [e["q"] for e in yaml.safe_load(EVAL.read_text())]
    choices = [s for t in bank.topics.values() for s in (t.title, *t.aliases, *t.phrasings)]
    built = time.perf_counter()
    matcher = build_matcher(bank.topics)
    build_ms = (time.perf_counter() - built) * 1000

    def ours() -> None:
        for q in questions:
            matcher.match(q)

    def bare() -> None:
        for q in questions:
            process.extractOne(q, choices)

    ours()  # warm up both
    bare()
    t_ours, t_bare = best_of(args.repeat, ours), best_of(args.repeat, bare)
    n = len(questions)
    result = {
        "questions": n,
        "choices": len(choices),
        "build_ms": build_ms,
        "ours_us": t_ours / n * 1e6,
        "bare_us": t_bare / n * 1e6,
        "ours_qps": n / t_ours,
        "ratio": t_ours / t_bare,
    }
    print(f"matcher built in {build_ms:.1f} ms over {len(choices)} bank strings; {n} questions, best of {args.repeat}")
    print(f"  lab2prod matcher:        {result['ours_us']:8.1f} µs/question  {result['ours_qps']:9.0f} q/s")
    print(f"  bare extractOne (WRatio): {result['bare_us']:7.1f} µs/question  {n / t_bare:9.0f} q/s")
    print(f"  cost ratio ours/bare: {result['ratio']:.2f}x  (target < 2x and < 1000 µs)")
    return result


if __name__ == "__main__":
    main()
