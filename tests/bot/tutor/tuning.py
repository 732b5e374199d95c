"""Tuning the matcher's constants on labelled questions, and k-fold cross-validation of that tuning.

The grid holds the constants that decide bands (the confidence thresholds and what weighs on confidence); the
ranking's field weights stay fixed. `tune` picks the grid point with the best objective on the questions it is
given; `cross_validate` tunes on k-1 folds and measures on the fold left out, k times, so the figures say how
the tuned constants do on questions the tuning never saw.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from bot.tutor.matcher import Matcher, Params, build_matcher
from tests.bot.tutor.evaluation import Figures, figures

GRID: dict[str, Sequence[float]] = {
    "confident": (0.2, 0.25, 0.3, 0.35, 0.4),
    "share_power": (1.0, 1.5, 2.0),
    "anchor_discount": (0.2, 0.35, 0.5),
    "margin_floor": (0.0, 0.15, 0.3, 0.5),
}


def objective(f: Figures) -> float:
    """Right answers, then rejecting chatter; a confidently wrong answer costs as much as two right ones."""
    return f.top1 + 0.5 * f.rejection - 2 * f.wrong


def grid_points(base: Params) -> list[Params]:
    names = list(GRID)
    return [replace(base, **dict(zip(names, values, strict=True))) for values in itertools.product(*GRID.values())]


def _results(matcher: Matcher, params: Params, entries: Sequence[dict]) -> list[object]:
    matcher.params = params
    return [matcher.match(e["q"]) for e in entries]


def tune(topics: object, entries: Sequence[dict], base: Params | None = None) -> Params:
    matcher = build_matcher(topics, base)  # type: ignore[arg-type]
    points = grid_points(matcher.params)
    best = max(points, key=lambda p: objective(_score(_results(matcher, p, entries), entries)))
    return best


def _score(results: Sequence[object], entries: Sequence[dict]) -> Figures:
    answers = iter(results)
    return figures(lambda _: next(answers), entries)


def cross_validate(
    topics: object, entries: Sequence[dict], k: int = 5, base: Params | None = None
) -> tuple[Figures, list[Params]]:
    """Pooled figures over the k held-out folds, and the constants each fold's tuning chose."""
    matcher = build_matcher(topics, base)  # type: ignore[arg-type]
    points = grid_points(matcher.params)
    results = [_results(matcher, p, entries) for p in points]  # every grid point on every question, once
    folds = [[i for i in range(len(entries)) if i % k == fold] for fold in range(k)]
    held_out: dict[int, object] = {}
    chosen = []
    for fold in folds:
        train = [i for i in range(len(entries)) if i not in set(fold)]
        train_entries = [entries[i] for i in train]
        best = max(
            range(len(points)),
            key=lambda j: objective(_score([results[j][i] for i in train], train_entries)),
        )
        chosen.append(points[best])
        held_out.update({i: results[best][i] for i in fold})
    matcher.params = base or Params()
    pooled = _score([held_out[i] for i in range(len(entries))], entries)
    return pooled, chosen
