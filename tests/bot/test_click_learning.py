"""Learning from clicks: "Did you mean" picks and a 👎 followed by another topic, through the served app and the
fake Slack, listed by `content suggestions`, learned by `content accept` into a copy of topics.yaml."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.services.asking import suggestions
from bot.services.people import privacy
from bot.tutor.phrasings import learnable
from bot.tutor.reading import Band, build_readers
from content.editing import Addition, add_phrasings
from content.loader import CONTENT_DIR, load_bank
from storage.models import AskedQuestion, TopicSuggestion
from tests.bot.tutor.evaluation import trained_on
from tests.cli_runs import run
from tests.slack_requests import click, find_element


def cli_env(db_url: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "", "LAB2PROD_CONTENT": ""}


def unsure_questions(ctx) -> list[tuple[str, str]]:
    """Labelled development questions the shipped readers answer with "Did you mean", the right topic among the
    buttons: what people's clicks would teach."""
    found = []
    for entry in trained_on():
        match = ctx.matcher.match(entry["q"])
        # (a question with nothing learnable, e.g. a bare mention, is never recorded: clicks cannot teach it)
        if match.band is Band.DID_YOU_MEAN and entry.get("topic") in match.suggestions and learnable(entry["q"]):
            found.append((entry["q"], entry["topic"]))
    assert found, "the development questions hold none the readers are unsure about"
    return found


def with_phrasing(topics: dict, topic: str, question: str) -> dict:
    learned = topics[topic].model_copy(update={"phrasings": [*topics[topic].phrasings, learnable(question)]})
    return {**topics, topic: learned}


def test_an_accepted_phrasing_never_makes_the_matcher_wrong_and_often_sure(ctx):
    """Not every accepted phrasing turns "Did you mean" into an answer: the matcher also weighs how plainly a
    question is on the subject. It must never answer a learned question with another topic. (Every tenth unsure
    question: each costs a training of the readers, a few seconds.)"""
    sample = unsure_questions(ctx)[::10]
    learned = [(build_readers(with_phrasing(ctx.bank.topics, t, q)).match(q), t) for q, t in sample]
    right = sum(m.band is Band.ANSWER and m.topic == t for m, t in learned)
    wrong = sum(m.band is Band.ANSWER and m.topic != t for m, t in learned)
    print(f"\nlearning from clicks: {right} of {len(learned)} unsure questions answered once accepted, {wrong} wrong")
    assert right >= 1 and wrong == 0


def learnable_unsure_question(ctx) -> tuple[str, str]:
    """An unsure question that a matcher built with it as a phrasing answers (see the test above for how many)."""
    for question, topic in unsure_questions(ctx):
        if build_readers(with_phrasing(ctx.bank.topics, topic, question)).match(question).band is Band.ANSWER:
            return question, topic
    raise AssertionError("no unsure question is answered once learned")


def pick(slack, fake_slack, question: str, topic: str, user: str, team: str = "T1") -> dict:
    """Ask `question` with /tutor as `user`, then click `topic` under "Did you mean"; the reply to the click."""
    body = slack.command(question, user=user, team=team).json()
    block, button = find_element(body["blocks"], f"topic_open:{topic}")
    assert block["block_id"] == "did_you_mean"
    seen = len(fake_slack.of("response_url"))
    resp = slack.block_action(click(block, button, user=user, team=team, response_url=fake_slack.response_url()))
    assert resp.status == 200
    return fake_slack.wait_for("response_url", seen + 1)[-1].params


def listed(db_url: str, *args: str) -> list[list[str]]:
    done = run("content", "suggestions", *args, env=cli_env(db_url))
    assert done.returncode == 0, done.stderr
    return [line.split(None, 4) for line in done.stdout.splitlines() if re.match(r"^  [0-9a-f]{8} ", line)]


def test_did_you_mean_clicks_become_a_phrasing_the_next_matcher_answers(slack, fake_slack, ctx, db_url, tmp_path):
    question, topic = learnable_unsure_question(ctx)
    other = next(t for t in ctx.matcher.match(question).suggestions if t != topic)
    for user in ("U1", "U2", "U3"):
        reply = pick(slack, fake_slack, question, topic, user)
        assert reply["replace_original"] is True and reply["blocks"][0]["text"]["text"] == ctx.bank.topics[topic].title
    pick(slack, fake_slack, question, topic, "U1")  # a second click of the same person counts once
    pick(slack, fake_slack, question, other, "U4")  # one person's other opinion: below --min 2
    pick(slack, fake_slack, question, topic, "U9", team="T2")  # another workspace's person
    with ctx.sessions() as s:
        assert s.query(TopicSuggestion).count() == 5

    [[sid, people, _, listed_topic, listed_question]] = listed(db_url, "--workspace", "T1")
    assert (people, listed_topic, listed_question) == ("3", topic, learnable(question))
    assert {(r[3], r[1]) for r in listed(db_url, "--workspace", "T1", "--min", "1")} == {(topic, "3"), (other, "1")}
    assert [(r[1], r[3]) for r in listed(db_url, "--workspace", "T2", "--min", "1")] == [("1", topic)]  # never T1's
    assert sid not in {r[0] for r in listed(db_url, "--workspace", "T2", "--min", "1")}

    # Accept it into a copy of the bank that has a comment inside the topic's phrasings.
    bank = tmp_path / "topics.yaml"
    original = (CONTENT_DIR / "topics.yaml").read_text()
    first = next(p for p in ctx.bank.topics[topic].phrasings)
    marked = original.replace(f"      - {first}\n", f"      # authors: keep this one first\n      - {first}\n", 1)
    assert marked != original
    bank.write_text(marked)
    done = run("content", "accept", sid, "--workspace", "T1", "--bank", str(bank), env=cli_env(db_url))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"added to {topic!r}" in done.stdout

    # Exactly one line is new: the phrasing, at the end of its topic's list; every comment and line kept in order.
    before, after = marked.splitlines(), bank.read_text().splitlines()
    # (quoted where YAML needs it: "quick question: is…" holds a ": ")
    [added] = [i for i, line in enumerate(after) if line.startswith("      - ") and _item(line) == listed_question]
    assert after[:added] + after[added + 1 :] == before
    assert "      # authors: keep this one first" in after and after[0].startswith("# lab2prod topic bank")
    learned = load_bank(bank)  # the bank still validates
    assert learned.topics[topic].phrasings[-1] == listed_question
    assert list(learned.topics) == list(ctx.bank.topics)
    relearned = build_readers(learned.topics).match(question)  # what the next start builds
    assert (relearned.band, relearned.topic) == (Band.ANSWER, topic)

    # Accepted: not listed again, and accepting it again is refused clearly.
    assert [r[3] for r in listed(db_url, "--workspace", "T1", "--min", "1")] == [other]
    again = run("content", "accept", sid, "--workspace", "T1", "--bank", str(bank), env=cli_env(db_url))
    assert again.returncode == 1 and "no suggestion" in again.stdout
    assert bank.read_text().splitlines() == after


def _item(line: str) -> object:
    try:
        return yaml.safe_load(line.strip())[0]
    except (yaml.YAMLError, TypeError, KeyError, IndexError):
        return None


def wait_for_question(ctx, user: str) -> None:
    deadline = time.monotonic() + 5
    while True:
        with ctx.sessions() as s:
            if s.scalar(select(AskedQuestion.id).where(AskedQuestion.user_id == user)):
                return
        assert time.monotonic() < deadline, "the question was never logged"
        time.sleep(0.02)


def test_thumbs_down_then_another_topic_is_evidence(slack, fake_slack, ctx):
    body = slack.command("latency vs accuracy in prod?", user="U5").json()
    assert body["blocks"][1]["text"]["text"] == "Latency"
    wait_for_question(ctx, "U5")
    block, no = find_element(body["blocks"], "helpful:no")
    slack.block_action(click(block, no, user="U5", response_url=fake_slack.response_url()))
    [offer] = fake_slack.wait_for("response_url")
    assert offer.params["replace_original"] is False and offer.params["response_type"] == "ephemeral"
    instead, button = find_element(offer.params["blocks"], "topic_open:evaluation")
    assert instead["block_id"] == "instead"
    assert "topic_open:latency" not in {e["action_id"] for e in instead["elements"]}  # not the one voted down
    slack.block_action(click(instead, button, user="U5", response_url=fake_slack.response_url()))
    answer = fake_slack.wait_for("response_url", 2)[-1].params
    assert answer["replace_original"] is True and answer["blocks"][0]["text"]["text"] == "Evaluation"
    with ctx.sessions() as s:
        [row] = s.scalars(select(TopicSuggestion)).all()
    assert (row.workspace_id, row.user_id, row.question, row.topic, row.source) == (
        "T1",
        "U5",
        "latency vs accuracy in prod",
        "evaluation",
        "thumbs_down",
    )


def test_thumbs_down_on_a_topic_nobody_asked_about_just_thanks(slack, fake_slack, ctx):
    topics = slack.command("topics", user="U6").json()
    block, button = find_element(topics["blocks"], "topic_open:cost")
    slack.block_action(click(block, button, user="U6", response_url=fake_slack.response_url()))
    opened = fake_slack.wait_for("response_url")[-1].params
    block, no = find_element(opened["blocks"], "helpful:no")
    slack.block_action(click(block, no, user="U6", response_url=fake_slack.response_url()))
    thanks = fake_slack.wait_for("response_url", 2)[-1].params
    assert thanks["text"].startswith("Thanks for telling me") and "blocks" not in thanks
    with ctx.sessions() as s:
        assert s.scalars(select(TopicSuggestion)).all() == []  # a plain topic button teaches nothing


def test_suggestions_belong_to_their_workspace_and_go_with_the_person(ctx):
    for ws, user in (("T1", "U1"), ("T1", "U2"), ("T2", "U1")):
        suggestions.record_pick(ctx, ws, user, "did_you_mean", "drift", "Why do my models rot?")
    suggestions.record_pick(ctx, "T1", "U3", "related", "drift", "why do my models rot")  # not evidence
    assert [(s.question, s.topic, s.people) for s in suggestions.list_suggestions(ctx, "T1")] == [
        ("why do my models rot", "drift", 2)
    ]
    assert [s.people for s in suggestions.list_suggestions(ctx, "T2", 1)] == [1]
    assert suggestions.list_suggestions(ctx, "T3", 1) == []
    exported = privacy.export_person(ctx, "T1", "U2")
    assert [(p["question"], p["topic"]) for p in exported["topic_suggestions"]] == [("why do my models rot", "drift")]

    assert privacy.forget_user(ctx, "T1", "U2").removed["topic_suggestions"] == 1
    assert suggestions.list_suggestions(ctx, "T1") == []  # one person left: below --min 2
    assert [s.people for s in suggestions.list_suggestions(ctx, "T1", 1)] == [1]
    assert [s.people for s in suggestions.list_suggestions(ctx, "T2", 1)] == [1]  # the same id elsewhere stays


@pytest.fixture
def bank_copy(tmp_path) -> Path:
    path = tmp_path / "topics.yaml"
    shutil.copy(CONTENT_DIR / "topics.yaml", path)
    return path


def test_accept_refuses_what_would_break_or_blur_the_bank(bank_copy):
    shipped = load_bank(CONTENT_DIR / "topics.yaml").topics
    untouched = bank_copy.read_text()
    theirs = shipped["latency"].phrasings[0]
    outcomes = add_phrasings(
        bank_copy,
        [
            Addition("drift", theirs.upper()),  # another topic's phrasing, in other case
            Addition("latency", theirs),  # already its own
            Addition("no-such-topic", "what is this"),
            Addition("drift", "x" * 201),  # longer than a phrasing may be
            Addition("drift", "   "),
        ],
    )
    assert [o.status for o in outcomes] == ["refused", "present", "refused", "refused", "refused"]
    assert "another topic, 'latency'" in outcomes[0].reason
    assert "no topic 'no-such-topic'" in outcomes[2].reason
    assert re.search(r"topics\.yaml:\d+: topics\.\d+\.phrasings\.\d+: ", outcomes[3].reason)  # the loader's words
    assert bank_copy.read_text() == untouched  # nothing added, nothing written


def test_accept_quotes_what_yaml_would_misread(bank_copy):
    tricky = ["cost: is it #1 in prod", "- is a gpu worth it", "'quoted' costs & more", "yes", "1e3", "null"]
    outcomes = add_phrasings(bank_copy, [Addition("cost", t) for t in tricky])
    assert [o.status for o in outcomes] == ["added"] * len(tricky)
    assert load_bank(bank_copy).topics["cost"].phrasings[-len(tricky) :] == tricky


def test_the_other_topics_offer_fits_in_one_slack_actions_block():
    from types import SimpleNamespace

    from bot.blocks.answer_blocks import instead_blocks

    topics = [SimpleNamespace(id=f"topic-{n}", title=f"Topic {n}") for n in range(30)]
    [actions] = [b for b in instead_blocks("why is drift hard?", topics) if b["type"] == "actions"]  # type: ignore[arg-type]
    assert len(actions["elements"]) == 24  # Slack allows 25 at most
    assert [e["action_id"] for e in actions["elements"]] == [f"topic_open:topic-{n}" for n in range(24)]


def test_accepts_at_the_same_time_all_land_in_the_file(bank_copy):
    import threading

    phrasings = [f"what does a gpu cost per hour in setup {n}" for n in range(4)]
    start = threading.Barrier(len(phrasings))
    outcomes: dict[str, str] = {}

    def accept(phrasing: str) -> None:
        start.wait()
        [outcome] = add_phrasings(bank_copy, [Addition("cost", phrasing)])
        outcomes[phrasing] = outcome.status

    threads = [threading.Thread(target=accept, args=(p,)) for p in phrasings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == dict.fromkeys(phrasings, "added")
    assert set(phrasings) <= set(load_bank(bank_copy).topics["cost"].phrasings)  # none lost to another's write
