"""Privacy for operators: forget a person, give a person their data, purge workspaces that uninstalled the app.

Each command is one transaction; forgetting and purging end with the same check as `lab2prod db verify`,
so the operator sees that every remaining total equals a recount of the remaining answers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.services.people.review_export import review_export
from bot.services.runtime.context import Context
from bot.services.scores.totals import Mismatch, verify_totals
from bot.tutor import scoring
from storage.db import reading, transaction
from storage.records import PersonData, WorkspacePurge
from storage.repos import privacy


@dataclass(frozen=True)
class Forgotten:
    workspace_id: str
    user_id: str
    removed: dict[str, int]  # rows per table (a dry run: rows that would go)
    elsewhere: list[str]  # other workspaces still holding rows with this user id
    checked: int  # people whose totals were compared with a recount afterwards
    mismatches: list[Mismatch]

    @property
    def found(self) -> bool:
        return any(self.removed.values())


@dataclass(frozen=True)
class Purged:
    cutoff: datetime
    workspaces: list[WorkspacePurge]
    checked: int
    mismatches: list[Mismatch]


def forget_user(ctx: Context, workspace_id: str, user_id: str, dry_run: bool = False) -> Forgotten:
    """Delete everything stored about a person in one workspace and rebuild its totals (one transaction)."""
    if dry_run:
        with reading(ctx.sessions) as session:
            removed = privacy.forget_person(session, workspace_id, user_id, ctx.clock(), dry_run=True)
            elsewhere = privacy.workspaces_of(session, user_id)
    else:
        with transaction(ctx.sessions) as session:
            removed = privacy.forget_person(session, workspace_id, user_id, ctx.clock())
            elsewhere = privacy.workspaces_of(session, user_id)
    checked, mismatches = verify_totals(ctx)
    others = [w for w in elsewhere if w != workspace_id]
    return Forgotten(workspace_id, user_id, removed, others, checked, mismatches)


def person_data(ctx: Context, workspace_id: str, user_id: str) -> PersonData:
    with reading(ctx.sessions) as session:
        return privacy.person_data(session, workspace_id, user_id)


def other_workspaces(ctx: Context, workspace_id: str, user_id: str) -> list[str]:
    with reading(ctx.sessions) as session:
        return [w for w in privacy.workspaces_of(session, user_id) if w != workspace_id]


def iso(moment: datetime | date | None) -> str | None:
    """ISO 8601; stored times are naive UTC, so they are written with their offset, +00:00."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
    return moment.isoformat()


def _payload(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _totals(data: PersonData) -> dict[str, Any] | None:
    if data.totals is None:
        return None
    return {**asdict(data.totals), "points": scoring.points(data.totals)}


def export_person(ctx: Context, workspace_id: str, user_id: str) -> dict[str, Any] | None:
    """Everything stored about a person in one workspace as JSON-ready data; None when nothing is stored.

    Stored values are given as stored; `points` (per answer and all-time) are derived by the scoring rules
    from the stored facts, as every board derives them."""
    data = person_data(ctx, workspace_id, user_id)
    if data.empty:
        return None
    return {
        "workspace_id": data.workspace_id,
        "user_id": data.user_id,
        "exported_at": iso(ctx.clock()),
        "display_name": {"name": data.name.display_name, "fetched_at": iso(data.name.fetched_at)}
        if data.name
        else None,
        "team": {"name": data.team.team_name, "joined_at": iso(data.team.joined_at)} if data.team else None,
        "score_totals": _totals(data),
        "answers": [
            {
                "question_id": a.question_id,
                "topic": a.topic,
                "practice": a.practice,
                "post_id": a.post_id,
                "channel_id": a.channel_id,
                "message_ts": a.message_ts,
                "answered_at": iso(a.answered_at),
                "choice": sorted(a.choice),
                "difficulty": a.difficulty,
                "credit": a.credit,
                "correct": a.correct,
                "correct_order": a.correct_order,
                "points": scoring.answer_points(a.difficulty, a.credit, a.correct_order, a.practice),
            }
            for a in data.answers
        ],
        "helpful_votes": [{"topic": v.topic, "helpful": v.helpful, "voted_at": iso(v.voted_at)} for v in data.votes],
        "asked_questions": [
            {
                "text": q.text,
                "surface": q.surface,
                "channel_id": q.channel_id,
                "topic": q.topic,
                "confidence": q.confidence,
                "band": q.band,
                "asked_at": iso(q.asked_at),
            }
            for q in data.questions
        ],
        "topic_suggestions": [
            {
                "question": s.question,
                "topic": s.topic,
                "source": s.source,
                "seen_at": iso(s.seen_at),
                "accepted_at": iso(s.accepted_at),
            }
            for s in data.suggestions
        ],
        "insights_weekly": {**data.insights_weekly, "since": iso(data.insights_weekly["since"])}
        if data.insights_weekly
        else None,
        "insights_weekly_dms": [
            {
                "week_start": iso(p.week_start),
                "attempted_at": iso(p.attempted_at),
                "message_ts": p.message_ts,
                "chart_file_id": p.chart_file_id,
            }
            for p in data.insight_dms
        ],
        "pending_events": [
            {"event_id": e.event_id, "seen_at": iso(e.seen_at), "payload": _payload(e.payload)}
            for e in data.pending_events
        ],
        "reviews": review_export(data.reviews),
    }


def export_json(document: dict[str, Any]) -> str:
    """The export as text: keys sorted at every level, so two exports of the same data are the same bytes;
    ASCII only (anything else escaped), so no terminal or pipe encoding can garble or refuse what people wrote."""
    return json.dumps(document, sort_keys=True, indent=2) + "\n"


def purge_uninstalled(ctx: Context, days: int, dry_run: bool = False) -> Purged:
    """Delete every row of the workspaces uninstalled more than `days` days ago (one transaction)."""
    if days < 0:
        raise ValueError("days must be a non-negative number")
    cutoff = ctx.clock() - timedelta(days=days)
    if dry_run:
        with reading(ctx.sessions) as session:
            purged = privacy.purge_uninstalled(session, cutoff, dry_run=True)
    else:
        with transaction(ctx.sessions) as session:
            purged = privacy.purge_uninstalled(session, cutoff)
    checked, mismatches = verify_totals(ctx)
    return Purged(cutoff, purged, checked, mismatches)
