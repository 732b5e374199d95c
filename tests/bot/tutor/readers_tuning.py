"""Fitting the readers' combination on development data, and nested 5-fold cross-validation of the whole design.

Development data only: the dev set (tests/data/eval_questions.yaml), the held-out, practice and authored
questions of tests/bot/tutor/, and the odd half of the fresh set. The test sets (sealed, the fresh set's even
half, unseen) are read for one thing only: a development question that is also a test question (the same words,
e.g. "what is data drift?") is left out, so that no test question is ever trained on. Nothing else of them
reaches this module.

The learned readers train on the bank plus development questions, so every figure here reads a question with
readers trained without it:
- `out_of_fold`: the questions in five folds; each fold read by readers trained on the bank and the other four.
- `fit`: the stacker (a logistic regression over `features`) fitted on such out-of-fold readings; its two
  thresholds chosen on its own out-of-fold chances (a second, inner cross-validation), by `objective`.
- `cross_validate`: for each outer fold, the readers' readings of the other four folds come from `out_of_fold`
  within them, `fit` runs on those, then readers trained on all four read the held-out fold.
What ships (tools/build_readers_data.py): `fit(out_of_fold(all development questions))`, and readers trained on
the bank plus all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.tutor.reading import Match, TopicTexts
from bot.tutor.reading.embedded import EmbeddedReader
from bot.tutor.reading.figures import Figures
from bot.tutor.reading.learned import LearnedReader
from bot.tutor.reading.readers import Combination, candidates, decide, features, ranked
from bot.tutor.reading.words import normalize
from tests.bot.tutor.evaluation import authored, figures, load

HERE = Path(__file__).resolve().parent
K = 5
STACKER_C = 10.0
ANSWER_GRID = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
OFFER_GRID = (0.05, 0.1, 0.2, 0.3, 1.1)


def development_sets() -> dict[str, list[dict]]:
    return {
        "dev set": load("eval_questions.yaml"),
        "held-out questions": yaml.safe_load((HERE / "heldout_questions.yaml").read_text(encoding="utf-8")),
        "practice questions": yaml.safe_load((HERE / "practice_questions.yaml").read_text(encoding="utf-8")),
        "fresh odd half": load("fresh_questions.yaml")[1::2],
        "authored questions": authored(),
    }


def same_words(question: str) -> str:
    """A question as the learned readers see it (their own normalising: case, punctuation, Slack markup and
    contractions gone): two questions equal here are one training example."""
    return normalize(question)


def test_questions() -> set[str]:
    """The test sets' questions, only so that none of them is trained on."""
    tests = (*load("sealed_questions.yaml"), *load("fresh_questions.yaml")[0::2], *load("unseen_questions.yaml"))
    return {same_words(e["q"]) for e in tests}


def development_questions() -> list[dict]:
    """Every development question once, {q, topic}, none that is also a test question: what the readers train
    on."""
    held_out = test_questions()
    seen: dict[tuple[str, str | None], None] = {}
    for entries in development_sets().values():
        for e in entries:
            if same_words(e["q"]) not in held_out:
                seen.setdefault((str(e["q"]), e["topic"]), None)
    return [{"q": q, "topic": t} for q, t in seen]


def objective(f: Figures) -> float:
    """As the matcher's tuning (a confidently wrong answer costs two right ones), plus a little for offering the
    right topic when not answering it."""
    return f.top1 + 0.5 * f.rejection - 2 * f.wrong + 0.25 * f.suggested


@dataclass(frozen=True)
class Read:
    """A question and what each reader said of it: the combination only combines these."""

    entry: dict
    first: Match
    ngram: Mapping[str, float]
    embedding: Mapping[str, float]


def read_with(texts: Sequence[TopicTexts], matcher: object, train: Sequence[dict], test: Sequence[dict]) -> list[Read]:
    """`test` read by the matcher and by learned readers trained on the bank plus `train`."""
    questions = [(e["q"], e["topic"]) for e in train]
    ngram, embedded = LearnedReader(texts, questions), EmbeddedReader(texts, questions)
    return [
        Read(e, matcher.match(e["q"]), ngram.probabilities(e["q"]), embedded.probabilities(e["q"]))  # type: ignore[attr-defined]
        for e in test
    ]


def folds(n: int, k: int = K) -> list[list[int]]:
    return [[i for i in range(n) if i % k == fold] for fold in range(k)]


def out_of_fold(texts: Sequence[TopicTexts], matcher: object, entries: Sequence[dict]) -> list[Read]:
    reads: dict[int, Read] = {}
    for held in folds(len(entries)):
        kept = [e for i, e in enumerate(entries) if i not in set(held)]
        reads.update(zip(held, read_with(texts, matcher, kept, [entries[i] for i in held]), strict=True))
    return [reads[i] for i in range(len(entries))]


def _rows(reads: Sequence[Read]) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for r in reads:
        for topic in candidates(r.first, r.ngram, r.embedding):
            x.append(features(r.first, r.ngram, r.embedding, topic))
            y.append(int(topic == r.entry["topic"]))
    return np.array(x), np.array(y)


def _stacker(reads: Sequence[Read]) -> Combination:
    from sklearn.linear_model import LogisticRegression

    x, y = _rows(reads)
    model = LogisticRegression(C=STACKER_C, max_iter=2000).fit(x, y)
    return Combination(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), 1.0, 1.0)


def score(reads: Sequence[Read], weights: Combination, answer: float, offer: float) -> Figures:
    verdicts = iter([decide(r.first, ranked(r.first, r.ngram, r.embedding, weights), answer, offer) for r in reads])
    return figures(lambda _: next(verdicts), [r.entry for r in reads])


def fit(reads: Sequence[Read]) -> Combination:
    """The stacker on all `reads`, with thresholds chosen on its out-of-fold chances over the same reads."""
    chances: dict[int, list[tuple[float, str]]] = {}
    for held in folds(len(reads)):
        weights = _stacker([r for i, r in enumerate(reads) if i not in set(held)])
        chances.update({i: ranked(reads[i].first, reads[i].ngram, reads[i].embedding, weights) for i in held})

    def judged(answer: float, offer: float) -> float:
        verdicts = iter([decide(r.first, chances[i], answer, offer) for i, r in enumerate(reads)])
        return objective(figures(lambda _: next(verdicts), [r.entry for r in reads]))

    answer, offer = max(((a, o) for a in ANSWER_GRID for o in OFFER_GRID), key=lambda t: judged(*t))
    weights = _stacker(reads)
    return Combination(weights.weights, weights.intercept, answer, offer)


def cross_validate(
    texts: Sequence[TopicTexts], matcher: object, entries: Sequence[dict]
) -> tuple[list[Match], list[Combination]]:
    """Each entry's verdict from readers and a combination fitted without its fold (K folds), in `entries`'
    order, and the combination each fold chose. `figures` of any slice of them is an honest figure."""
    verdicts: dict[int, Match] = {}
    chosen = []
    for held in folds(len(entries)):
        kept = [e for i, e in enumerate(entries) if i not in set(held)]
        combination = fit(out_of_fold(texts, matcher, kept))
        chosen.append(combination)
        for i, r in zip(held, read_with(texts, matcher, kept, [entries[i] for i in held]), strict=True):
            chances = ranked(r.first, r.ngram, r.embedding, combination)
            verdicts[i] = decide(r.first, chances, combination.answer, combination.offer)
    return [verdicts[i] for i in range(len(entries))], chosen


def verdict_figures(verdicts: Sequence[Match], entries: Sequence[dict]) -> Figures:
    """The figures of `entries` given each one's verdict, in order."""
    ordered = iter(verdicts)
    return figures(lambda _: next(ordered), entries)
