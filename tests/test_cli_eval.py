"""`lab2prod eval`, run as a user would: figures for a labelled set in YAML or TSV, and clear errors."""

from __future__ import annotations

import json

from tests.cli_runs import run

YAML_SET = """\
- q: why do models drift in production?
  topic: drift
- q: what does latency mean for a deployed model?
  topic: latency
- q: what's for lunch today?
  topic: null
"""


def test_eval_reads_a_yaml_set(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(YAML_SET)
    result = run("eval", "--set", str(path))
    assert result.returncode == 0, result.stderr
    assert "2 on-subject, 1 off-subject" in result.stdout
    for label in ("top-1", "answered or offered", "confidently wrong", "off-subject rejected"):
        assert label in result.stdout


def test_eval_reads_an_empty_yaml_topic_as_off_subject(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text('- q: why do models drift in production?\n  topic: drift\n- q: how do I bake bread?\n  topic: ""\n')
    result = run("eval", "--set", str(path), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["on_subject"], out["off_subject"]) == (1, 1)


def test_eval_reads_a_tsv_set_as_json(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("why do models drift in production?\tdrift\nhow do I bake bread?\t\nwhat's the weather\tnull\n")
    result = run("eval", "--set", str(path), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["on_subject"], out["off_subject"]) == (1, 2)
    assert out["top1"] == 1.0 and out["confidently_wrong"] == 0.0
    assert out["off_subject_rejected"] == 1.0
    assert set(out) == {
        "set",
        "on_subject",
        "off_subject",
        "top1",
        "answered_or_offered",
        "confidently_wrong",
        "off_subject_rejected",
    }


def test_eval_without_a_set_says_how_to_give_one():
    result = run("eval")
    assert result.returncode != 0
    assert "--set" in result.stderr and "Traceback" not in result.stderr


def test_eval_reports_bad_files_clearly(tmp_path):
    missing = run("eval", "--set", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("- q: [unclosed\n")
    assert "not valid YAML" in run("eval", "--set", str(broken)).stderr
    shape = tmp_path / "shape.yaml"
    shape.write_text("- question: no q key\n  topic: drift\n")
    assert "entry 1 needs a 'q'" in run("eval", "--set", str(shape)).stderr
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("no tab on this line\n")
    assert "bad.tsv:1" in run("eval", "--set", str(tsv)).stderr
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("- q: anything\n  topic: astrology\n")
    result = run("eval", "--set", str(unknown))
    assert result.returncode != 0 and "astrology" in result.stderr and "Traceback" not in result.stderr
    other = tmp_path / "set.csv"
    other.write_text("q,topic\n")
    assert ".tsv" in run("eval", "--set", str(other)).stderr
