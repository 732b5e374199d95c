"""The readers that check each other: both learned readers' arithmetic, the shipped training questions and
combination, the combination rule, and the figures on development data (each set, and nested 5-fold
cross-validation of the whole design). Test sets: test_matcher_sealed.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from bot.tutor.reading import Band, Combination, Match, build_matcher, build_readers, topic_texts
from bot.tutor.reading.embedded import embedded_reader
from bot.tutor.reading.learned import OFF_SUBJECT, bank_texts, learned_reader, shipped_questions
from bot.tutor.reading.readers import combine, shipped_combination
from content.loader import load_bank
from tests.bot.tutor import readers_tuning as rt
from tests.bot.tutor.evaluation import figures, load

BANK = load_bank()
TEXTS = [topic_texts(t) for t in BANK.topics.values()]
QUESTIONS = [e["q"] for e in load("eval_questions.yaml")[:80]] + ["", "zzzz qqqq", "x" * 5000]


def test_hand_read_probabilities_equal_scikit_learns():
    reader = learned_reader(TEXTS)
    union, model = reader.fitted
    expected = model.predict_proba(union.transform([q[:1000] for q in QUESTIONS]))
    got = np.array([[reader.probabilities(q)[t] for t in model.classes_] for q in QUESTIONS])
    assert np.allclose(got, expected, atol=1e-9)
    assert OFF_SUBJECT in model.classes_  # the off-subject development questions teach their own class


def test_hand_read_embedding_probabilities_equal_scikit_learns():
    reader = embedded_reader(TEXTS)
    expected = reader.fitted.predict_proba(reader.embed(QUESTIONS))
    got = np.array([[reader.probabilities(q)[t] for t in reader.fitted.classes_] for q in QUESTIONS])
    assert np.allclose(got, expected, atol=1e-9)


def test_the_readers_are_trained_once_per_bank():
    assert learned_reader(TEXTS) is learned_reader(list(TEXTS))
    first, second = build_readers(BANK.topics), build_readers(BANK.topics)
    assert first.learned is second.learned and first.embedded is second.embedded


def test_no_test_question_is_in_the_training_data():
    """Counts only. The shipped development questions hold no sealed, fresh-even or unseen question, and the bank's
    texts none beyond two that were bank phrasings before any learned reader existed. A terse question may be a
    topic's own title or alias ('data drift'): that is the bank's name, not a leak."""
    names = {rt.same_words(n) for t in TEXTS for n in (t.title, *t.aliases)}
    bank = {rt.same_words(t) for t in bank_texts(TEXTS)[0]} - names
    shipped = {rt.same_words(q) for q, _ in shipped_questions()}
    sealed = [rt.same_words(e["q"]) for e in load("sealed_questions.yaml")]
    fresh = [rt.same_words(e["q"]) for e in load("fresh_questions.yaml")[0::2]]
    unseen = [rt.same_words(e["q"]) for e in load("unseen_questions.yaml")]
    counts = {
        "sealed in shipped questions": sum(q in shipped for q in sealed),
        "fresh even half in shipped questions": sum(q in shipped for q in fresh),
        "sealed in the bank": sum(q in bank for q in sealed),
        "fresh even half in the bank": sum(q in bank for q in fresh),
        "unseen in shipped questions": sum(q in shipped for q in unseen),
        "unseen in the bank": sum(q in bank for q in unseen),
    }
    print(f"\ntest questions verbatim in the training data: {counts}")
    assert counts["sealed in shipped questions"] == counts["fresh even half in shipped questions"] == 0
    assert counts["sealed in the bank"] == 0 and counts["fresh even half in the bank"] <= 2
    assert counts["unseen in shipped questions"] == 0 and counts["unseen in the bank"] <= 2


def test_shipped_questions_are_the_development_sets():
    """bot/tutor/reading/dev_questions.yaml is tools/build_readers_data.py's output for today's sets."""
    assert [{"q": q, "topic": t} for q, t in shipped_questions()] == rt.development_questions()


def _match(topic: str | None, band: Band, suggestions: tuple[str, ...] = (), confidence: float = 0.5) -> Match:
    return Match("q", topic, confidence, suggestions, band)


# A toy combination: the chance grows with the n-gram probability only.
TOY = Combination(tuple(8.0 if i == 7 else 0.0 for i in range(18)), -4.0, 0.9, 0.3)


def test_combine_answers_when_sure_offers_when_not_and_keeps_rejections_and_follow_ups():
    sure = combine(_match(None, Band.DID_YOU_MEAN, ("cost", "drift")), {"drift": 0.95, "cost": 0.05}, {}, TOY)
    assert (sure.band, sure.topic, sure.suggestions[:2]) == (Band.ANSWER, "drift", ("drift", "cost"))
    split = combine(_match("drift", Band.ANSWER, ("drift",)), {"drift": 0.5, "cost": 0.5}, {}, TOY)
    assert (split.band, split.topic, set(split.suggestions)) == (Band.DID_YOU_MEAN, None, {"drift", "cost"})
    kept = combine(_match("drift", Band.ANSWER, ("drift",)), {"drift": 0.99, "cost": 0.01}, {}, TOY)
    assert (kept.band, kept.topic, kept.confidence) == (Band.ANSWER, "drift", 0.5)  # the matcher's own Match
    chatter = combine(_match(None, Band.UNKNOWN), {"drift": 0.1, OFF_SUBJECT: 0.9}, {}, TOY)
    assert chatter.band is Band.UNKNOWN  # no candidate reaches `offer`: the matcher's rejection stands
    offered = combine(_match(None, Band.NOT_COVERED), {"drift": 0.6, OFF_SUBJECT: 0.4}, {}, TOY)
    assert (offered.band, offered.suggestions[0]) == (Band.DID_YOU_MEAN, "drift")
    followup = combine(_match("drift", Band.ANSWER), {"cost": 1.0}, {}, TOY, context_topic="drift")
    assert followup.topic == "drift"


@pytest.fixture(scope="module")
def development():
    return rt.development_questions(), build_matcher(TEXTS)


def test_shipped_combination_is_what_fitting_picks_on_development_data(development):
    questions, matcher = development
    fitted, shipped = rt.fit(rt.out_of_fold(TEXTS, matcher, questions)), shipped_combination()
    assert (fitted.answer, fitted.offer) == (shipped.answer, shipped.offer)
    assert np.allclose(fitted.weights, shipped.weights, atol=1e-3) and abs(fitted.intercept - shipped.intercept) < 1e-3
    assert json.loads(json.dumps(shipped.as_json()))["features"] == list(rt.features.__globals__["FEATURES"])


# Floors: what nested cross-validation reached when the design was chosen (README), pooled over every development
# question and over those not written for the readers (the dev, held-out, practice and fresh-odd sets, whose
# wording is like the test sets'; the authored questions are much harder: the matcher alone gets half of them).
# The pooled figures swing by a few points with small changes (each fold picks its threshold on a flat
# objective: 69.0-71.9% top-1 so far), hence the wider margin there. Falling below is a regression. Development
# figures of the shipped readers are in-sample (they trained on these questions).
CV_FLOORS = {
    "all": {"top-1": 0.66, "wrong": 0.04, "answered or offered": 0.92, "rejection": 0.95},
    "not authored": {"top-1": 0.90, "wrong": 0.02, "answered or offered": 0.97, "rejection": 0.90},
}


def test_development_figures_before_and_after_and_nested_cross_validation(development):
    questions, matcher = development
    readers = build_readers(BANK.topics)
    source = {}
    for name, entries in rt.development_sets().items():
        print(f"\n{name:20} matcher: {figures(matcher.match, entries).line()}")
        print(f"{name:20} readers (in-sample): {figures(readers.match, entries).line()}")
        source.update({(str(e["q"]), e["topic"]): name for e in entries})
    verdicts, chosen = rt.cross_validate(TEXTS, matcher, questions)
    print("nested 5-fold cross-validation on development questions (each read without its fold):")
    groups = {"all": lambda _: True, "not authored": lambda name: name != "authored questions"}
    groups |= {name: (lambda n: lambda name: name == n)(name) for name in rt.development_sets()}
    measured = {}
    for group, member in groups.items():
        kept = [i for i, e in enumerate(questions) if member(source[(e["q"], e["topic"])])]
        pooled = measured[group] = rt.verdict_figures([verdicts[i] for i in kept], [questions[i] for i in kept])
        print(f"  {group:20} {pooled.line()}, answered or offered {pooled.answered_or_offered:5.1%}")
    print(f"thresholds chosen per fold (answer, offer): {[(c.answer, c.offer) for c in chosen]}")
    for group, floors in CV_FLOORS.items():
        pooled = measured[group]
        assert pooled.top1 >= floors["top-1"] and pooled.wrong <= floors["wrong"], group
        assert pooled.answered_or_offered >= floors["answered or offered"], group
        assert pooled.rejection >= floors["rejection"], group
    assert yaml.safe_load(yaml.safe_dump(measured["all"].as_json()))["top1"] >= CV_FLOORS["all"]["top-1"]
