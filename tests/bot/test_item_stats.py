"""Item analysis on simulated quiz days: 40 people of different ability answer real posts through the services;
`content stats` (service, table and CSV) must agree with a recount straight from the answers table."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.blocks.quiz_blocks import LETTERS
from bot.services.quiz import channels, item_stats, posting, practice, reveals
from bot.services.quiz.answering import Click, answer_daily
from bot.services.runtime.context import Context, build_context
from bot.services.slack.clients import SlackClients
from bot.tutor import quiz_rules
from storage.db import upgrade
from storage.models import Answer, QuizChannel, QuizPost
from tests.cli_runs import run
from tests.conftest import FrozenClock
from tests.fake_slack import FakeSlack

PEOPLE = [f"P{k:02}" for k in range(40)]  # P00 is the weakest, P39 the strongest
CHANNELS = ["C1", "C2", "C3"]
DAYS = [datetime(2026, 3, d, 8, 0) for d in (2, 3, 4, 5, 6)]
# How a question behaves, given the answerer's rank k (0-39): right or not. Assigned in turn to the
# questions as they are first posted.
BEHAVIOURS = {
    "easy": lambda k: k != 0,  # 39 of 40 right: too easy
    "medium": lambda k: k >= 16,  # the stronger 60%
    "hard": lambda k: k >= 34,  # the strongest 15%: too hard
    "reversed": lambda k: k < 20,  # the weaker half: negative discrimination
    "steep": lambda k: k >= 10,  # 75%
}
# The figures the issue fixes, written out here rather than read from the code under test.
TOO_EASY, TOO_HARD, UNPICKED_FROM, MIN_JUDGE, PICKER_MIN = 0.90, 0.20, 20, 10, 30


def level(share: float) -> int:
    return 1 if share >= 0.70 else 3 if share < 0.40 else 2


def choice_for(question, k: int, right: bool) -> frozenset[int]:
    correct = sorted(question.correct_indexes)
    wrong = [i for i in range(len(question.options)) if i not in question.correct_indexes]
    if right:
        return frozenset(correct)
    if question.kind == "multi":  # partly right, right plus a wrong box, or only a wrong box
        misses = [frozenset(correct[:1])] if len(correct) > 1 else []
        misses += [frozenset(correct) | {w} for w in wrong] + [frozenset({w}) for w in wrong]
        return misses[k % len(misses)]
    return frozenset({wrong[k % len(wrong)]})


@dataclass
class World:
    ctx: Context
    db_url: str
    behaviour: dict[str, str]  # question id -> how it was answered (a key of BEHAVIOURS)
    picker_calls: list[tuple[str, dict[str, int], list[int]]]  # (seed, observed, recent levels) per pick
    repeated: str  # the question posted twice


def _answer_post(ctx: Context, clock: FrozenClock, post: QuizPost, kind: str, skip: int) -> None:
    question = ctx.bank.questions_by_id[post.question_id]
    for k, user in enumerate(PEOPLE):
        if (k + skip) % 8 == 0:
            continue
        clock.advance(seconds=2)
        chosen = choice_for(question, k, BEHAVIOURS[kind](k))
        click = Click(post.workspace_id, user, post.channel_id, post.message_ts, None, post.id, chosen)
        assert answer_daily(ctx, click).recorded


def _posts_since(ctx: Context, at: datetime) -> list[QuizPost]:
    with ctx.sessions() as s:
        return list(s.scalars(select(QuizPost).where(QuizPost.claimed_at >= at).order_by(QuizPost.id)))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """Five days, three channels, 40 people; each person skips a post now and then (35 answers per post). Then
    a fourth channel gets one of those questions again; some practice; a second workspace. Built once: slow."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('items') / 'lab2prod.db'}"
    upgrade(db_url)
    fake, clock = FakeSlack().start(), FrozenClock()
    ctx = build_context(db_url, clock=clock, slack=SlackClients("xoxb-test", fake.api_url))
    picker_calls: list[tuple[str, dict[str, int], list[int]]] = []
    real_next = quiz_rules.next_question

    def spy(questions, used, recent, seed, observed=None):
        picker_calls.append((seed, dict(observed or {}), list(recent)))
        return real_next(questions, used, recent, seed, observed)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(quiz_rules, "next_question", spy)
            for channel in CHANNELS:
                channels.save_channel(ctx, "T1", channel, "08:00", "UTC", "mon-sun")
            behaviour: dict[str, str] = {}
            posts_done = 0
            for day in DAYS:
                clock.now = day + timedelta(minutes=1)
                assert all("posted" in line for line in posting.post_due(ctx))
                for post in _posts_since(ctx, day):
                    kind = behaviour.setdefault(post.question_id, list(BEHAVIOURS)[len(behaviour) % len(BEHAVIOURS)])
                    _answer_post(ctx, clock, post, kind, posts_done)
                    posts_done += 1
                clock.now = day + timedelta(hours=9)
                assert reveals.close_due(ctx) == len(CHANNELS)
            # A new channel whose bank holds only what was posted: a question asked a second time, answered
            # again by the same people (one person, two answers to one question).
            day = DAYS[-1] + timedelta(days=1)
            bank = ctx.bank
            posted = tuple(q for q in bank.questions if q.id in behaviour)
            ctx.bank = type(bank)(bank.topics, posted, bank.questions_by_id)
            channels.save_channel(ctx, "T1", "C4", "08:00", "UTC", "mon-sun")
            clock.now = day + timedelta(minutes=1)
            assert "C4: posted" in posting.post_due(ctx, "C4")[0]
            ctx.bank = bank
            [again] = _posts_since(ctx, day)
            _answer_post(ctx, clock, again, behaviour[again.question_id], 3)
            clock.now = day + timedelta(hours=9)
            assert reveals.close_due(ctx) == 1
        # Practice answers (a different population) and another workspace must not count.
        for user in PEOPLE[:12]:
            clock.advance(seconds=5)
            assert practice.answer_practice(ctx, "T1", user, again.question_id, frozenset({0}), f"p.{user}").recorded
        channels.save_channel(ctx, "T2", "C9", "08:00", "UTC", "mon-sun")
        clock.now = day + timedelta(days=1, minutes=1)
        assert "C9: posted" in posting.post_due(ctx, "C9")[0]
        [other] = _posts_since(ctx, day + timedelta(days=1))
        for user in PEOPLE[:5]:
            click = Click("T2", user, "C9", other.message_ts, None, other.id, frozenset({0}))
            assert answer_daily(ctx, click).recorded
        yield World(ctx, db_url, behaviour, picker_calls, again.question_id)
    finally:
        fake.stop()


def recount(ctx, workspace_id: str = "T1") -> dict[str, dict]:
    """Every figure, straight from the rows: no code under test is used."""
    with ctx.sessions() as s:
        rows = s.scalars(select(Answer).where(Answer.workspace_id == workspace_id, Answer.practice.is_(False))).all()
        posts = Counter(
            s.scalars(
                select(QuizPost.question_id).where(
                    QuizPost.workspace_id == workspace_id, QuizPost.message_ts.is_not(None)
                )
            ).all()
        )
    per_person = defaultdict(list)
    for r in rows:
        per_person[r.user_id].append(r)
    out = {}
    for qid in posts:
        mine = [r for r in rows if r.question_id == qid]
        question = ctx.bank.questions_by_id[qid]
        n, right = len(mine), sum(r.correct for r in mine)
        picks = [sum(str(i) in r.choice.split(",") for r in mine) for i in range(len(question.options))]
        # Corrected point-biserial, as (M1 - M0) / s * sqrt(p q): rest = mean credit on the person's other questions.
        pairs = []
        for r in mine:
            rest = [o.credit for o in per_person[r.user_id] if o.question_id != qid]
            if rest:
                pairs.append((r.correct, sum(rest) / len(rest)))
        disc = None
        if len(pairs) >= MIN_JUDGE:
            ys = [y for _, y in pairs]
            mean = sum(ys) / len(ys)
            sd = math.sqrt(sum((y - mean) ** 2 for y in ys) / len(ys))
            ones = [y for c, y in pairs if c]
            zeros = [y for c, y in pairs if not c]
            if ones and zeros and sd > 0:
                p = len(ones) / len(pairs)
                disc = (sum(ones) / len(ones) - sum(zeros) / len(zeros)) / sd * math.sqrt(p * (1 - p))
        share = right / n if n else None
        observed = level(share) if n >= MIN_JUDGE else None
        flags = []
        if n >= MIN_JUDGE and share > TOO_EASY:
            flags.append("too-easy")
        if n >= MIN_JUDGE and share < TOO_HARD:
            flags.append("too-hard")
        if disc is not None and disc < 0:
            flags.append("negative-discrimination")
        if n >= UNPICKED_FROM and 0 in picks:
            flags.append("unpicked-option")
        if observed is not None and abs(observed - question.difficulty) >= 2:
            flags.append("difficulty-mismatch")
        out[qid] = {
            "topic": question.topic,
            "kind": question.kind,
            "declared": question.difficulty,
            "observed": observed,
            "posted": posts[qid],
            "answers": n,
            "right": right,
            "share": share,
            "credit": sum(r.credit for r in mine) / n if n else None,
            "disc": disc,
            "disc_n": len(pairs),
            "picks": picks,
            "flags": flags,
        }
    return out


def test_the_service_agrees_with_a_recount(world):
    ctx, behaviour = world.ctx, world.behaviour
    expected = recount(ctx)
    items = item_stats.item_report(ctx, "T1")
    assert {i.question_id for i in items} == set(expected) == set(behaviour)
    assert len(expected) == 15 and expected[world.repeated]["posted"] == 2
    assert expected[world.repeated]["answers"] == 70  # 35 people, twice
    for item in items:
        want = expected[item.question_id]
        assert (item.spec.topic, item.spec.kind, item.spec.difficulty) == (
            want["topic"],
            want["kind"],
            want["declared"],
        )
        assert (item.posted, item.answers, item.right) == (want["posted"], want["answers"], want["right"])
        assert item.observed == want["observed"]
        assert item.share_right == pytest.approx(want["share"])
        assert item.mean_credit == pytest.approx(want["credit"])
        assert item.discrimination == pytest.approx(want["disc"], abs=1e-9)
        assert item.discrimination_n == want["disc_n"]
        assert list(item.picks) == want["picks"]
        assert list(item.flags) == want["flags"], item.question_id
    flagged = [bool(i.flags) for i in items]
    assert flagged == sorted(flagged, reverse=True)  # flagged questions first
    # The simulation produced what it meant to: each kind of question behaves as designed.
    by_behaviour = defaultdict(list)
    for item in items:
        by_behaviour[behaviour[item.question_id]].append(item)
    assert all("too-easy" in i.flags for i in by_behaviour["easy"])
    assert all("too-hard" in i.flags for i in by_behaviour["hard"])
    assert all("negative-discrimination" in i.flags for i in by_behaviour["reversed"])
    assert all(i.discrimination > 0.3 for b in ("medium", "hard", "steep") for i in by_behaviour[b])
    assert any("unpicked-option" in i.flags for i in items)
    assert any("difficulty-mismatch" in i.flags for i in items)


def test_the_picker_uses_observed_difficulty_after_thirty_answers(world):
    ctx = world.ctx
    expected = recount(ctx)
    observed = item_stats.observed_difficulties(ctx, "T1")
    assert observed == {q: level(e["share"]) for q, e in expected.items() if e["answers"] >= PICKER_MIN}
    assert len(observed) == 15  # 35 answers a post
    assert item_stats.observed_difficulties(ctx, "T2") == {}  # five answers there
    # The first day's picks knew nothing; on the fifth the answers of the first four were known.
    calls = world.picker_calls
    first_day = [c for c in calls if c[0].endswith(":2026-03-02")]
    assert len(first_day) == len(CHANNELS) and all(observed_then == {} for _, observed_then, _ in first_day)
    fifth_day = [c for c in calls if c[0].endswith(":2026-03-06")]
    assert len(fifth_day) == len(CHANNELS)
    with ctx.sessions() as s:
        channel_of = dict(s.execute(select(QuizChannel.id, QuizChannel.channel_id)).all())
        posts = s.execute(select(QuizPost.channel_id, QuizPost.local_date, QuizPost.question_id)).all()
    before = {q for c, d, q in posts if d < date(2026, 3, 6)}
    for seed, observed_then, recent in fifth_day:
        assert set(observed_then) == before
        assert all(observed[q] == lvl for q, lvl in observed_then.items() if q != world.repeated)
        channel = channel_of[int(seed.split(":")[0])]
        earlier = sorted(((d, q) for c, d, q in posts if c == channel and d < date(2026, 3, 6)), reverse=True)
        # the channel's four earlier posts, newest first, each at its observed level (not the declared one)
        assert recent == [observed_then[q] for _, q in earlier] and len(recent) == 4


def test_other_workspaces_and_practice_answers_do_not_count(world):
    ctx = world.ctx
    [t2] = item_stats.item_report(ctx, "T2")
    assert (t2.answers, t2.posted, t2.discrimination) == (5, 1, None)
    with ctx.sessions() as s:
        practised = s.scalars(select(Answer).where(Answer.practice.is_(True))).all()
    assert len(practised) == 12 and {a.question_id for a in practised} == {world.repeated}
    [repeated] = [i for i in item_stats.item_report(ctx, "T1") if i.question_id == world.repeated]
    assert repeated.answers == 70


def test_a_question_retired_from_the_bank_is_still_reported(world):
    ctx = world.ctx
    gone = world.repeated
    expected = recount(ctx)[gone]
    bank = ctx.bank
    ctx.bank = type(bank)(
        bank.topics,
        tuple(q for q in bank.questions if q.id != gone),
        {k: v for k, v in bank.questions_by_id.items() if k != gone},
    )
    try:
        [item] = [i for i in item_stats.item_report(ctx, "T1") if i.question_id == gone]
    finally:
        ctx.bank = bank
    assert (item.spec.kind, item.spec.topic) == ("retired", expected["topic"])
    assert item.spec.difficulty == expected["declared"]  # as recorded with its answers
    assert (item.answers, item.right, item.posted) == (expected["answers"], expected["right"], expected["posted"])
    assert item.discrimination == pytest.approx(expected["disc"], abs=1e-9)
    assert "unpicked-option" not in item.flags  # its options are unknown now: only ticked ones are counted


def _table_rows(stdout: str) -> dict[str, list[str]]:
    lines = stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("question "))
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells
    return rows


def test_content_stats_on_the_command_line(world):
    expected = recount(world.ctx)
    env = {"DATABASE_URL": world.db_url, "SLACK_BOT_TOKEN": ""}
    result = run("content", "stats", "--workspace", "T1", env=env)
    assert result.returncode == 0, result.stderr
    answers = sum(e["answers"] for e in expected.values())
    flagged = sum(1 for e in expected.values() if e["flags"])
    assert f"{len(expected)} question(s) posted, {answers} daily answer(s), {flagged} flagged" in result.stdout
    rows = _table_rows(result.stdout)
    assert set(rows) == set(expected)
    for qid, e in expected.items():
        options = " ".join(f"{LETTERS[i]} {n / e['answers']:.0%}" for i, n in enumerate(e["picks"]))
        want = [
            qid,
            e["topic"],
            e["kind"],
            str(e["declared"]),
            str(e["observed"] or "-"),
            str(e["posted"]),
            str(e["answers"]),
            f"{e['share']:.0%}",
            "-" if e["disc"] is None else f"{e['disc']:+.2f}",
            options,
        ]
        if e["flags"]:
            want.append(", ".join(e["flags"]))
        assert rows[qid] == want
    order = list(rows)
    flagged_rows = [bool(expected[q]["flags"]) for q in order]
    assert flagged_rows == sorted(flagged_rows, reverse=True)
    for flag in ("too-easy", "too-hard", "negative-discrimination", "unpicked-option"):
        assert f"{flag}:" in result.stdout  # the legend explains each flag

    as_csv = run("content", "stats", "--csv", "--workspace", "T1", env=env)
    assert as_csv.returncode == 0, as_csv.stderr
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["question_id"] for r in table] == order  # same rows, same order
    for r in table:
        e = expected[r["question_id"]]
        assert (r["topic"], r["kind"], r["declared_difficulty"]) == (e["topic"], e["kind"], str(e["declared"]))
        assert r["observed_difficulty"] == str(e["observed"] or "")
        assert (int(r["posted"]), int(r["answers"]), int(r["right"])) == (e["posted"], e["answers"], e["right"])
        assert float(r["share_right"]) == pytest.approx(e["share"], abs=5e-4)
        assert float(r["mean_credit"]) == pytest.approx(e["credit"], abs=5e-4)
        assert (float(r["discrimination"]) if r["discrimination"] else None) == pytest.approx(e["disc"], abs=5e-4)
        assert int(r["discrimination_n"]) == e["disc_n"]
        picks = [r[f"picked_{letter}"] for letter in LETTERS]
        assert picks == [str(n) for n in e["picks"]] + [""] * (len(LETTERS) - len(e["picks"]))
        assert r["flags"] == ";".join(e["flags"])


def test_content_stats_before_any_quiz(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SLACK_BOT_TOKEN": ""}
    result = run("content", "stats", "--workspace", "T1", env=env)
    assert result.returncode == 0 and "No daily quiz has been posted in workspace T1 yet" in result.stdout
    as_csv = run("content", "stats", "--csv", "--workspace", "T1", env=env)
    assert as_csv.returncode == 0 and as_csv.stdout.splitlines() == [
        "question_id,topic,kind,declared_difficulty,observed_difficulty,posted,answers,right,share_right,mean_credit,"
        "discrimination,discrimination_n,picked_A,picked_B,picked_C,picked_D,picked_E,picked_F,flags"
    ]
