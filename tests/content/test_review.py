"""The author's aid in `lab2prod content check`: wording warnings with file and line, which never fail the check."""

from __future__ import annotations

import subprocess
import sys

from content.loader import bank_paths, load_bank
from content.review import SOURCE_ABSOLUTES_FILE, absolute_uses, backed, load_source_absolutes, review
from tests.cli_runs import ROOT, _env, run
from tests.content.test_bank import SEEDS, needs_seeds

# Line numbers matter: the expected warnings below point at them.
WORDY = """\
questions:
  - id: w1
    topic: drift
    idea: a keyed option with only
    kind: single
    difficulty: 1
    prompt: What does the blog post say about drift?
    options:
      - text: Only production data drifts
        correct: true
        why: Drift never touches a benchmark.
      - text: Benchmarks always drift
        correct: false
        why: Benchmarks stay fixed, not always but usually.
    sources: [003_6aedeafa16eeaa59]
  - id: w2
    topic: data
    idea: a true statement with at all
    kind: true_false
    difficulty: 1
    prompt: Benchmarks raise no privacy concerns at all.
    options:
      - text: "True"
        correct: true
        why: Right. No cleaning step is needed, as the LinkedIn article says.
      - text: "False"
        correct: false
        why: It is true; the blog post "Machine Learning in Research vs Production" and one article agree ("only").
    sources: [002_21f689e1c9a41476]
  - id: w3
    topic: data
    idea: a backed absolute and a false statement
    kind: true_false
    difficulty: 1
    prompt: Research benchmarks never change.
    options:
      - text: "True"
        correct: false
        why: In production, datasets are always dynamic in nature.
      - text: "False"
        correct: true
        why: Right.
    sources: [002_21f689e1c9a41476]
"""

EXPECTED = [
    (7, "w1 prompt names a source only by its kind ('the blog post')"),
    (9, "w1 option 1 says 'only', which its cited article(s) do not say about this"),
    (11, "w1 explanation 1 says 'never', which its cited article(s) do not say about this"),
    (21, "w2 statement says 'at all', which its cited article(s) do not say about this"),
    (25, "w2 explanation 1 says 'no ... needed', which its cited article(s) do not say about this"),
    (25, "w2 explanation 1 names a source only by its kind ('the LinkedIn article')"),
]

# The same bank with every warned wording taken out (same lines, same answers).
PLAIN = (
    WORDY.replace("What does the blog post say", "What is true")
    .replace("Only production data drifts", "Production data drifts")
    .replace("Drift never touches", "Drift seldom touches")
    .replace("concerns at all", "concerns")
    .replace("No cleaning step is needed, as the LinkedIn article says", "Little cleaning is left to do")
)


def test_each_warning_names_file_line_and_item(tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text(WORDY)
    warnings = review(path, load_bank(path).questions, load_source_absolutes())
    assert len(warnings) == len(EXPECTED), "\n".join(warnings)
    for warning, (line, start) in zip(warnings, EXPECTED, strict=True):
        assert warning.startswith(f"{path}:{line}: warning: {start}"), warning


def test_what_is_left_alone():
    """Softened or quoted absolutes are not claims; an absolute a cited article uses about the same thing is backed.
    (In WORDY: w1's wrong option, w2's quoted "only" and titled source, w3's backed "always" give no warning.)"""
    assert absolute_uses('Not always so, not only that, and the word "never" is quoted') == []
    assert [label for label, _ in absolute_uses("It needs no labels. It is never late.")] == ["no ... needed", "never"]
    known = load_source_absolutes()
    blog = ["002_21f689e1c9a41476"]
    assert backed("always", "Production datasets are always dynamic", blog, known)
    assert not backed("always", "Benchmarks are always anonymised", blog, known)  # same word, other subject
    assert not backed("always", "Production datasets are always dynamic", ["003_6aedeafa16eeaa59"], known)


def test_warnings_are_printed_but_do_not_change_the_exit_code(tmp_path):
    wordy, plain = tmp_path / "wordy", tmp_path / "plain"
    for folder, text in ((wordy, WORDY), (plain, PLAIN)):
        folder.mkdir()
        (folder / "quiz.yaml").write_text(text)
    noisy = run("content", "check", str(wordy / "quiz.yaml"))
    quiet = run("content", "check", str(plain / "quiz.yaml"))
    assert noisy.returncode == quiet.returncode
    path = wordy / "quiz.yaml"
    for line, start in EXPECTED:
        assert f"{path}:{line}: warning: {start}" in noisy.stderr
    assert "wording review: 6 warning(s) (worth a look; they do not fail the check)" in noisy.stdout
    assert "warning:" not in quiet.stderr and "wording review: 0 warning(s)" in quiet.stdout


def test_a_passing_bank_with_a_warning_still_passes(tmp_path):
    """The shipped bank with one keyed option made sweeping again: exit 0, one warning at that line."""
    shipped = bank_paths()[1].read_text(encoding="utf-8")
    before, sweeping = "Data that keeps changing, even after", "Data that is always changing, even after"
    assert shipped.count(before) == 1
    path = tmp_path / "quiz.yaml"
    path.write_text(shipped.replace(before, sweeping), encoding="utf-8")
    line = shipped[: shipped.index(before)].count("\n") + 1
    result = run("content", "check", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:{line}: warning: data-02 option 5 says 'always', which its cited article(s) do not say about this;"
        " hedge it or quote the article"
    ]
    assert "wording review: 1 warning(s)" in result.stdout and "ok: 18 topics" in result.stdout


def test_the_shipped_bank_has_no_wording_warnings():
    _, quiz = bank_paths()
    warnings = review(quiz, load_bank().questions, load_source_absolutes())
    print(f"\nshipped bank: {len(warnings)} wording warning(s)")
    print("\n".join(warnings))
    assert warnings == []
    result = run("content", "check")
    assert result.returncode == 0 and "wording review: 0 warning(s)" in result.stdout


def test_the_generator_records_words_with_what_they_are_about(tmp_path):
    articles, out = tmp_path / "articles", tmp_path / "absolutes.yaml"
    articles.mkdir()
    (articles / "007_0123456789abcdef.txt").write_text(
        "Production data is always messy.\nResearch is not always slow. There is no need to relabel benchmarks.\n"
    )
    (articles / "008_0123456789abcdef.txt").write_text("Nothing sweeping here.\n")
    tool = [sys.executable, str(ROOT / "tools" / "build_source_absolutes.py"), str(articles), str(out)]
    subprocess.run(tool, check=True, cwd=ROOT, env=_env(None), capture_output=True)
    known = load_source_absolutes(out)
    assert known == {
        "007_0123456789abcdef": {
            "always": [frozenset({"production", "data", "messy"})],
            "no ... needed": [frozenset({"relabel", "benchmark"})],
        },
        "008_0123456789abcdef": {},
    }


@needs_seeds
def test_the_shipped_word_list_is_up_to_date_with_the_articles(tmp_path):
    out = tmp_path / "absolutes.yaml"
    tool = [sys.executable, str(ROOT / "tools" / "build_source_absolutes.py"), str(SEEDS), str(out)]
    subprocess.run(tool, check=True, cwd=ROOT, env=_env(None), capture_output=True)
    assert out.read_text() == SOURCE_ABSOLUTES_FILE.read_text()
