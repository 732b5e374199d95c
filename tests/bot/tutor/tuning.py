"""Tuning the matcher's band constants on labelled questions, and k-fold cross-validation of that tuning.

The grid holds the constants that decide bands (the confidence thresholds and what weighs on confidence); the
ranking's field weights stay fixed. `tune` picks the grid point with the best objective on the questions it is
given; `cross_validate` tunes on k-1 folds and measures on the fold left out, k times, so the figures say how
the tuned constants do on questions the tuning never saw.

Besides dev questions, tuning may also score the bank's own phrasings held out k-fold (`bank_folds`): each fold's
phrasings are removed from the bank and asked as questions of a matcher built without them. That is wording the
bank does not hold, which the dev set (written close to the bank's first phrasings) rarely tests: it is what
teaches the tuning how often two topics scoring close together means a wrong answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.tutor.reading import Matcher, Params, TopicTexts, build_matcher, topic_texts
from tests.bot.tutor.evaluation import Figures, figures

GRID: dict[str, Sequence[float]] = {
    "confident": (0.25, 0.3, 0.35, 0.4),
    "share_power": (1.5, 2.0),
    "anchor_discount": (0.2, 0.35),
    "margin_floor": (0.0, 0.15, 0.3, 0.5),
    "margin_full": (0.3, 0.5, 1.0),
}


def objective(f: Figures) -> float:
    """Right answers, then rejecting chatter; a confidently wrong answer costs as much as two right ones."""
    return f.top1 + 0.5 * f.rejection - 2 * f.wrong


def grid_points(base: Params) -> list[Params]:
    names = list(GRID)
    return [replace(base, **dict(zip(names, values, strict=True))) for values in itertools.product(*GRID.values())]


@dataclass
class _Asked:
    """Questions and the analysis a matcher made of each: the grid only changes the verdict, not the analysis."""

    matcher: Matcher
    entries: Sequence[dict]
    analyses: list[object]

    @classmethod
    def of(cls, matcher: Matcher, entries: Sequence[dict]) -> _Asked:
        return cls(matcher, entries, [matcher._analyse(e["q"]) for e in entries])

    def results(self, params: Params) -> list[object]:
        self.matcher.params = params
        return [
            self.matcher._decide(e["q"], replace(a, ranked=list(a.ranked)))  # type: ignore[type-var]
            for e, a in zip(self.entries, self.analyses, strict=True)
        ]


def _score(results: Sequence[object], entries: Sequence[dict]) -> Figures:
    answers = iter(results)
    return figures(lambda _: next(answers), entries)


def bank_folds(topics: object, k: int = 10, base: Params | None = None) -> list[_Asked]:
    """k matchers, each built without one fold of every topic's phrasings and asked those phrasings."""
    items = topics.values() if isinstance(topics, Mapping) else topics
    texts: list[TopicTexts] = [topic_texts(t) for t in items]  # type: ignore[union-attr]
    asked = []
    for fold in range(k):
        kept = [replace(t, phrasings=tuple(p for i, p in enumerate(t.phrasings) if i % k != fold)) for t in texts]
        held = [{"q": p, "topic": t.id} for t in texts for i, p in enumerate(t.phrasings) if i % k == fold]
        asked.append(_Asked.of(build_matcher(kept, base), held))
    return asked


def _bank_figures(folds: Sequence[_Asked], params: Params) -> Figures:
    results = [r for f in folds for r in f.results(params)]
    return _score(results, [e for f in folds for e in f.entries])


def tune(topics: object, entries: Sequence[dict], base: Params | None = None, bank: bool = True) -> Params:
    asked = _Asked.of(build_matcher(topics, base), entries)  # type: ignore[arg-type]
    folds = bank_folds(topics, base=base) if bank else []
    points = grid_points(asked.matcher.params)

    def value(p: Params) -> float:
        extra = objective(_bank_figures(folds, p)) if folds else 0.0
        return objective(_score(asked.results(p), entries)) + extra

    return max(points, key=value)


def cross_validate(
    topics: object, entries: Sequence[dict], k: int = 5, base: Params | None = None, bank: bool = True
) -> tuple[Figures, list[Params], Figures | None]:
    """Pooled figures over the k held-out folds of `entries`, the constants each fold's tuning chose, and the
    bank's held-out phrasings at the constants tuned on all of `entries` (None without the bank)."""
    asked = _Asked.of(build_matcher(topics, base), entries)  # type: ignore[arg-type]
    points = grid_points(asked.matcher.params)
    results = [asked.results(p) for p in points]  # every grid point on every question, once
    folds = bank_folds(topics, base=base) if bank else []
    bank_value = [objective(_bank_figures(folds, p)) if folds else 0.0 for p in points]
    splits = [[i for i in range(len(entries)) if i % k == fold] for fold in range(k)]
    held_out: dict[int, object] = {}
    chosen = []
    for split in splits:
        train = [i for i in range(len(entries)) if i not in set(split)]
        train_entries = [entries[i] for i in train]
        best = max(
            range(len(points)),
            key=lambda j: objective(_score([results[j][i] for i in train], train_entries)) + bank_value[j],
        )
        chosen.append(points[best])
        held_out.update({i: results[best][i] for i in split})
    asked.matcher.params = base or Params()
    pooled = _score([held_out[i] for i in range(len(entries))], entries)
    overall = max(range(len(points)), key=lambda j: objective(_score(results[j], entries)) + bank_value[j])
    return pooled, chosen, _bank_figures(folds, points[overall]) if folds else None
