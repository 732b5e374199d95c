"""The shipped teaching material: enough distinct questions per topic, in our own words, with its sources."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from content.loader import CONTENT_DIR, ContentError, load_bank

BANK = load_bank()
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed articles are not next to the repo ({SEEDS})")
COPY_RUN = 8  # the project's before-stop hook flags runs of 8+ words shared with the seed articles
URL = re.compile(r"https?://\S+")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def runs(text: str, n: int) -> set[str]:
    w = words(text)
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def test_every_topic_has_at_least_eight_questions_of_mixed_kinds():
    by_topic = Counter(q.topic for q in BANK.questions)
    assert {t: n for t, n in by_topic.items() if n < 8} == {}
    assert set(by_topic) == set(BANK.topics)
    kinds = {t: {q.kind for q in BANK.questions if q.topic == t} for t in BANK.topics}
    assert {t: k for t, k in kinds.items() if len(k) < 2} == {}


def test_every_question_tests_its_own_idea():
    """Unique within a topic (the loader's rule), and across the bank too, so no sentence is tested twice."""
    ideas = Counter(" ".join(q.idea.casefold().split()) for q in BANK.questions)
    assert [idea for idea, n in ideas.items() if n > 1] == []


def test_the_loader_reports_a_repeated_idea_with_file_and_line(tmp_path):
    question = """\
  - id: {id}
    topic: drift
    idea: {idea}
    kind: true_false
    difficulty: 1
    prompt: Drift is about data.
    options:
      - {{text: "True", correct: true, why: Right.}}
      - {{text: "False", correct: false, why: Wrong.}}
    sources: [003_6aedeafa16eeaa59]
"""
    path = tmp_path / "quiz.yaml"
    path.write_text(
        "questions:\n"
        + question.format(id="q1", idea="drift is about data")
        + question.format(id="q2", idea="Drift is  about DATA")
    )
    with pytest.raises(ContentError) as err:
        load_bank(path)
    assert err.value.problems == [f"{path}:14: idea 'Drift is  about DATA' is already tested by 'q1' in topic 'drift'"]


def test_a_retired_id_is_never_given_to_a_new_item(tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text(
        "questions:\n"
        "  - id: drift-01\n"
        "    topic: drift\n"
        "    idea: drift is about data\n"
        "    kind: true_false\n"
        "    difficulty: 1\n"
        "    prompt: Drift is about data.\n"
        "    options:\n"
        "      - {text: 'True', correct: true, why: Right.}\n"
        "      - {text: 'False', correct: false, why: Wrong.}\n"
        "    sources: [003_6aedeafa16eeaa59]\n"
        "retired: [drift-01]\n"
    )
    with pytest.raises(ContentError) as err:
        load_bank(path)
    assert err.value.problems == [
        f"{path}:2: id 'drift-01' is retired (its answers and statistics belong to an earlier question): give this"
        " item a new id"
    ]


def test_the_shipped_bank_retires_every_id_it_ever_dropped():
    retired = set(yaml.safe_load((CONTENT_DIR / "quiz.yaml").read_text())["retired"])
    assert {"fairness-01", "privacy-02", "timeline-01"} <= retired
    assert not retired & {q.id for q in load_bank().questions}


def test_multi_select_questions_vary_how_many_options_are_right():
    multis = [q for q in BANK.questions if q.kind == "multi"]
    right = Counter(len(q.correct_indexes) for q in multis)
    assert set(right) <= {1, 2, 3, 4} and len(right) >= 3, right
    assert all(len(q.correct_indexes) < len(q.options) for q in multis)  # ticking every box never wins
    share = sum(right * n for right, n in right.items()) / sum(len(q.options) for q in multis)
    assert 0.4 <= share <= 0.6, share


def test_true_false_statements_are_about_half_true():
    truths = [q.options[0].correct for q in BANK.questions if q.kind == "true_false"]
    assert 0.4 <= sum(truths) / len(truths) <= 0.6


def test_difficulty_is_varied_within_each_kind():
    for kind in ("single", "multi", "true_false"):
        assert {q.difficulty for q in BANK.questions if q.kind == kind} == {1, 2, 3}, kind


def test_disputed_topics_say_which_article_says_what():
    for topic in ("fairness", "explainability"):
        research = BANK.topics[topic].answer.research
        assert "ML academics vs ML production" in research, topic
    assert "Research vs production" in BANK.topics["fairness"].answer.research
    assert "Machine Learning in Research vs Production" in BANK.topics["explainability"].answer.research


def test_topics_link_the_further_reading_the_articles_give():
    readings = {t.id: [r.url for r in t.further_reading] for t in BANK.topics.values()}
    assert any("concept-drift" in url for url in readings["drift"])
    assert any("coursera.org" in url for url in readings["monitoring"])
    assert any("syncedreview.com" in url for url in readings["cost"])
    assert any("huggingface.co/datasets/squad" in url for url in readings["data"])


@needs_seeds
def test_further_reading_uses_the_exact_links_from_the_articles():
    seeds = " ".join(f.read_text(errors="ignore") for f in SEEDS.glob("*.txt"))
    article_urls = {u.rstrip(").,") for u in URL.findall(seeds)}
    ours = {r.url for t in BANK.topics.values() for r in t.further_reading}
    assert ours and ours <= article_urls, ours - article_urls


@needs_seeds
def test_sources_name_seed_articles_that_exist():
    seeds = {f.stem for f in SEEDS.glob("*.txt")}
    cited = {s for t in BANK.topics.values() for s in t.sources} | {s for q in BANK.questions for s in q.sources}
    assert cited <= seeds, cited - seeds


@needs_seeds
def test_no_run_of_eight_words_is_copied_from_the_seed_articles():
    """Facts carry over, sentences do not. Further-reading titles and links are quoted exactly on purpose."""
    copied = set()
    for seed in SEEDS.glob("*.txt"):
        copied |= runs(URL.sub(" ", seed.read_text(errors="ignore")), COPY_RUN)
    citations = sorted({r.title for t in BANK.topics.values() for r in t.further_reading}, key=len, reverse=True)
    hits = []
    for path in sorted(CONTENT_DIR.rglob("*")):
        if path.suffix not in {".yaml", ".yml", ".md", ".txt", ".py"}:
            continue
        text = URL.sub(" ", path.read_text(encoding="utf-8"))
        for title in citations:
            text = text.replace(title, " ")
        hits += [f"{path.name}: {run}" for run in sorted(runs(text, COPY_RUN) & copied)]
    assert hits == []


def test_a_question_without_an_idea_is_reported_with_its_other_problems(tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text(
        "questions:\n  - id: q1\n    topic: drift\n    kind: multi\n    difficulty: 1\n    prompt: Pick.\n"
        "    options: [{text: A, correct: true, why: w}, {text: B, correct: true, why: w}]\n"
        "    sources: [003_6aedeafa16eeaa59]\n"
    )
    with pytest.raises(ContentError) as err:
        load_bank(path)
    [problem] = err.value.problems
    assert problem.startswith(f"{path}:2: questions.0: ")
    assert "multi needs 3-6 options" in problem and "idea is required" in problem
