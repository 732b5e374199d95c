"""Per-question latency of the readers the app uses (build_readers: the matcher and two learned readers, combined)
and of the matcher alone, on the dev set, cold and warm, beside two bare rapidfuzz baselines, in one run.

cold: every question goes to a fresh matcher (built beforehand, outside the timing) whose word caches are empty,
so each question pays for stemming, typo look-ups and everything else a first question pays for.
warm: the same matcher answers every question again after a first pass.
Baselines over the same strings (every title, alias and phrasing): process.extractOne with scorer=fuzz.ratio,
and with WRatio (rapidfuzz's default). p50 and p99 per question, in microseconds; goal p99 < 2000 µs warm.
Start-up: the CPU time of importing scikit-learn and WordLlama, loading WordLlama's packaged model and training
both learned readers (on the bank and the shipped development questions), beside building the matcher
(what `serve` pays once more; goal < 5 s). Leaves out: contention from other processes (run it on a quiet host).
Run: python -m bench.matcher [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.tutor.reading import build_matcher, build_readers, topic_texts
from bot.tutor.reading.embedded import EmbeddedReader
from bot.tutor.reading.learned import LearnedReader, shipped_questions
from content.loader import load_bank

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval_questions.yaml"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(run: Callable[[], object]) -> float:
    """One call, with the garbage collector held off so its pauses land on nobody's question."""
    gc.disable()
    try:
        start = time.perf_counter()
        run()
        return (time.perf_counter() - start) * 1e6
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the questions (warm and baselines)")
    args = parser.parse_args(argv)
    bank = load_bank()
    questions = [e["q"] for e in yaml.safe_load(EVAL.read_text())]
    choices = [s for t in bank.topics.values() for s in (t.title, *t.aliases, *t.phrasings)]
    built = time.process_time()
    matcher = build_matcher(bank.topics)
    build_ms = (time.process_time() - built) * 1000
    started = time.process_time()
    import sklearn.linear_model  # noqa: F401  (the import is part of what start-up pays)

    texts = [topic_texts(t) for t in bank.topics.values()]
    LearnedReader(texts, shipped_questions())
    EmbeddedReader(texts, shipped_questions())  # the first one also imports WordLlama and loads its model
    train_ms = (time.process_time() - started) * 1000
    readers = build_readers(bank.topics)

    cold = []
    for q in questions:
        fresh = build_matcher(bank.topics)
        cold.append(timed(lambda q=q, m=fresh: m.match(q)))  # type: ignore[misc]
    readers_cold = []
    for q in questions:
        fresh_readers = build_readers(bank.topics)  # a fresh matcher; the trained reader holds no per-word cache
        readers_cold.append(timed(lambda q=q, r=fresh_readers: r.match(q)))  # type: ignore[misc]
    for q in questions:
        matcher.match(q)
        readers.match(q)
    warm = [timed(lambda q=q: matcher.match(q)) for _ in range(args.repeat) for q in questions]  # type: ignore[misc]
    readers_warm = [timed(lambda q=q: readers.match(q)) for _ in range(args.repeat) for q in questions]  # type: ignore[misc]
    ratio = [
        timed(lambda q=q: process.extractOne(q, choices, scorer=fuzz.ratio))  # type: ignore[misc]
        for _ in range(args.repeat)
        for q in questions
    ]
    wratio = [
        timed(lambda q=q: process.extractOne(q, choices, scorer=fuzz.WRatio))  # type: ignore[misc]
        for _ in range(args.repeat)
        for q in questions
    ]
    result: dict[str, float] = {"questions": len(questions), "choices": len(choices), "build_ms": build_ms}
    result["train_ms"] = train_ms
    print(
        f"matcher built in {build_ms:.1f} ms CPU; imports + WordLlama load + both learned readers trained in"
        f" {train_ms:.0f} ms CPU"
    )
    print(f"{len(questions)} questions, {len(choices)} bank strings")
    runs = (
        ("readers cold", readers_cold),
        ("readers warm", readers_warm),
        ("matcher cold", cold),
        ("matcher warm", warm),
        ("extractOne ratio", ratio),
        ("extractOne WRatio", wratio),
    )
    for name, values in runs:
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        result[f"{name} p50_us"], result[f"{name} p99_us"] = p50, p99
        print(f"  {name:18} p50 {p50:8.1f} µs   p99 {p99:8.1f} µs   mean {statistics.fmean(values):8.1f} µs")
    result["ratio"] = result["matcher warm p50_us"] / result["extractOne WRatio p50_us"]
    result["readers_ratio"] = result["readers warm p99_us"] / result["matcher warm p99_us"]
    print(
        f"  warm p50 / WRatio p50: {result['ratio']:.2f}x; readers warm p99 / matcher warm p99:"
        f" {result['readers_ratio']:.2f}x   (goal: readers p99 < 2000 µs warm)"
    )
    return result


if __name__ == "__main__":
    main()
