"""Choosing the readers' agreement thresholds on development data, and 5-fold cross-validation of that choice.

Development data only: the dev set (tests/data/eval_questions.yaml), the held-out and practice questions of
tests/bot/tutor/, the odd half of the fresh set, and the bank's own phrasings held out five-fold (each fold's
phrasings removed from the bank, both readers trained without them, then asked them). The sealed set and the
fresh set's even half never reach this module.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.tutor.reading import Match, build_matcher, topic_texts
from bot.tutor.reading.learned import LearnedReader, learned_reader
from bot.tutor.reading.readers import Agreement, combine
from tests.bot.tutor.evaluation import Figures, figures, load

HERE = Path(__file__).resolve().parent

GRID = {
    "keep": (0.1, 0.2, 0.3, 0.5, 1.1),
    "sure": (0.6, 0.8, 1.1),
    "promote": (0.4, 0.5, 0.6, 0.7, 0.8, 1.1),
    "offer": (0.0, 1.1),
}


def development_sets() -> dict[str, list[dict]]:
    return {
        "dev set": load("eval_questions.yaml"),
        "held-out questions": yaml.safe_load((HERE / "heldout_questions.yaml").read_text(encoding="utf-8")),
        "practice questions": yaml.safe_load((HERE / "practice_questions.yaml").read_text(encoding="utf-8")),
        "fresh odd half": load("fresh_questions.yaml")[1::2],
    }


def objective(f: Figures) -> float:
    """As the matcher's tuning (a confidently wrong answer costs two right ones), plus a little for offering the
    right topic when not answering it."""
    return f.top1 + 0.5 * f.rejection - 2 * f.wrong + 0.25 * f.suggested


def rules() -> list[Agreement]:
    return [Agreement(*values) for values in itertools.product(*GRID.values())]


@dataclass(frozen=True)
class Read:
    """A question, the matcher's verdict and the learned reader's probabilities: the rule only combines them."""

    entry: dict
    first: Match
    probabilities: Mapping[str, float]


def read(matcher: object, learned: LearnedReader, entries: Sequence[dict]) -> list[Read]:
    return [Read(e, matcher.match(e["q"]), learned.probabilities(e["q"])) for e in entries]  # type: ignore[attr-defined]


def bank_folds(topics: object, k: int = 5) -> list[Read]:
    items = topics.values() if isinstance(topics, Mapping) else topics
    texts = [topic_texts(t) for t in items]  # type: ignore[union-attr]
    out: list[Read] = []
    for fold in range(k):
        kept = [replace(t, phrasings=tuple(p for i, p in enumerate(t.phrasings) if i % k != fold)) for t in texts]
        held = [{"q": p, "topic": t.id} for t in texts for i, p in enumerate(t.phrasings) if i % k == fold]
        out += read(build_matcher(kept), LearnedReader(kept), held)
    return out


def development_reads(topics: object) -> list[Read]:
    items = topics.values() if isinstance(topics, Mapping) else topics
    texts = [topic_texts(t) for t in items]  # type: ignore[union-attr]
    matcher, learned = build_matcher(texts), learned_reader(texts)
    return [r for entries in development_sets().values() for r in read(matcher, learned, entries)]


def score(reads: Sequence[Read], rule: Agreement) -> Figures:
    verdicts = iter([combine(r.first, r.probabilities, rule) for r in reads])
    return figures(lambda _: next(verdicts), [r.entry for r in reads])


def tune(questions: Sequence[Read], bank: Sequence[Read]) -> Agreement:
    """The rule with the best objective on the questions plus the bank's held-out phrasings."""
    return max(rules(), key=lambda rule: objective(score(questions, rule)) + objective(score(bank, rule)))


def cross_validate(questions: Sequence[Read], bank: Sequence[Read], k: int = 5) -> tuple[Figures, list[Agreement]]:
    """Pooled figures over k held-out folds of the questions, each judged by the rule tuned without it."""
    held: dict[int, Match] = {}
    chosen = []
    for fold in range(k):
        train = [r for i, r in enumerate(questions) if i % k != fold]
        rule = tune(train, bank)
        chosen.append(rule)
        for i, r in enumerate(questions):
            if i % k == fold:
                held[i] = combine(r.first, r.probabilities, rule)
    verdicts = iter([held[i] for i in range(len(questions))])
    return figures(lambda _: next(verdicts), [r.entry for r in questions]), chosen
