"""Learning from clicks, in the open: which topic people pick for a question, and phrasings an author accepts.

A click is evidence that a question belongs to a topic when it is a "Did you mean" button, or a topic picked
after a 👎 on the answer to that question. Each is kept per workspace, person, question and topic (personal
data: `forget-user` removes it, `export person` shows it). Nothing changes how the tutor answers until an
operator lists the pairs (`lab2prod content suggestions`) and accepts some (`lab2prod content accept`), which
adds them to topics.yaml as phrasings; the next start learns them."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.blocks.answer_blocks import DID_YOU_MEAN_BLOCK, INSTEAD_BLOCK, instead_blocks
from bot.services.runtime.context import Context
from bot.tutor.phrasings import learnable
from content.editing import Addition, add_phrasings
from storage.db import reading, transaction
from storage.records import SuggestedPair
from storage.repos import suggestions

log = logging.getLogger(__name__)
SOURCES = {DID_YOU_MEAN_BLOCK: "did_you_mean", INSTEAD_BLOCK: "thumbs_down"}
THUMBS_DOWN_MEMORY = timedelta(hours=1)  # a 👎 is about a question asked this recently, or about none
ID_LENGTH = 8


def record_pick(
    ctx: Context, workspace_id: str, user_id: str, block_id: str, topic_id: str, question: str | None
) -> None:
    """One cheap insert before the click's ack, as votes are stored. A failure is logged: the person still gets
    the topic they picked."""
    source = SOURCES.get(block_id)
    question = learnable(question) if question else None
    if source is None or question is None or topic_id not in ctx.bank.topics or not workspace_id or not user_id:
        return
    try:
        with transaction(ctx.sessions) as session:
            suggestions.record(
                session,
                workspace_id=workspace_id,
                user_id=user_id,
                question=question,
                topic=topic_id,
                source=source,
                at=ctx.clock(),
            )
    except Exception:
        log.exception("could not record a topic pick in %s", workspace_id)  # no user id in the logs


THANKS_ANYWAY = "Thanks for telling me. The authors will see which answers need work."


def offer_other_topics(ctx: Context, workspace_id: str, user_id: str, topic_id: str, response_url: str) -> None:
    """After a 👎 (on the background pool): the other topics, as buttons carrying the question the 👎 was about,
    when the person asked one lately that this topic answered; otherwise the plain thanks."""
    with reading(ctx.sessions) as session:
        asked = suggestions.last_answered_with(
            session, workspace_id, user_id, topic_id, ctx.clock() - THUMBS_DOWN_MEMORY
        )
    message: dict[str, object] = {"text": THANKS_ANYWAY, "replace_original": False, "response_type": "ephemeral"}
    if asked and learnable(asked):
        # The local reader's suggestions for the question first (the nearest topics), then the bank's order.
        near = {t: n for n, t in enumerate(ctx.matcher.match(asked).suggestions)}
        others = sorted(
            (t for t in ctx.bank.topics.values() if t.id != topic_id), key=lambda t: near.get(t.id, len(near))
        )
        message["blocks"] = instead_blocks(asked, others)
    ctx.slack.respond(response_url, message)


# -- for operators: list and accept -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    id: str  # short and stable: the same pair in the same workspace always has the same id
    question: str
    topic: str
    people: int


def suggestion_id(workspace_id: str, question: str, topic: str) -> str:
    return hashlib.sha256(f"{workspace_id}\n{question}\n{topic}".encode()).hexdigest()[:ID_LENGTH]


def _pending(ctx: Context, workspace_id: str, min_people: int) -> list[SuggestedPair]:
    with reading(ctx.sessions) as session:
        return suggestions.pending(session, workspace_id, min_people)


def list_suggestions(ctx: Context, workspace_id: str, min_people: int = 2) -> list[Suggestion]:
    """Question -> topic pairs of one workspace, not yet accepted, from at least `min_people` different people."""
    return [
        Suggestion(suggestion_id(workspace_id, p.question, p.topic), p.question, p.topic, p.people)
        for p in _pending(ctx, workspace_id, min_people)
    ]


@dataclass(frozen=True)
class Accepted:
    id: str
    suggestion: Suggestion | None  # None: no pending suggestion of the workspace has this id
    status: str  # added | present | refused | unknown
    reason: str = ""


def accept(ctx: Context, workspace_id: str, ids: list[str], topics_file: Path) -> list[Accepted]:
    """Add the suggestions `ids` to `topics_file` as phrasings (validated, in place), then mark them accepted.

    A phrasing already in its topic is marked too (there is nothing left to learn); a refused one stays listed."""
    pending = {s.id: s for s in list_suggestions(ctx, workspace_id, min_people=1)}
    keys = list(dict.fromkeys(given.strip().lower() for given in ids))
    results = {
        key: Accepted(key, None, "unknown", f"no suggestion {key!r} is waiting in workspace {workspace_id}")
        for key in keys
        if key not in pending
    }
    wanted = [pending[key] for key in keys if key in pending]
    outcomes = add_phrasings(topics_file, [Addition(s.topic, s.question) for s in wanted]) if wanted else []
    for chosen, outcome in zip(wanted, outcomes, strict=True):
        results[chosen.id] = Accepted(chosen.id, chosen, outcome.status, outcome.reason)
    done = [r.suggestion for r in results.values() if r.suggestion and r.status in ("added", "present")]
    if done:
        with transaction(ctx.sessions) as session:
            for chosen in done:
                suggestions.mark_accepted(session, workspace_id, chosen.question, chosen.topic, ctx.clock())
    return [results[key] for key in keys]
