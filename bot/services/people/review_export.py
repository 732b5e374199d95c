"""A person's review state as export data: their consent and time, every card with its due date, each day's DM."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from storage.records import ReviewData


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
    return moment.isoformat()


def review_export(data: ReviewData | None) -> dict[str, Any] | None:
    if data is None or not (data.setting or data.cards or data.days):
        return None
    setting = data.setting
    return {
        "opted_in": bool(setting and setting.enabled),
        "review_time": setting.review_time if setting else None,
        "time_zone": setting.tz if setting else None,
        "changed_at": _iso(setting.changed_at) if setting else None,
        "stopped_reason": setting.stopped_reason if setting else None,
        "cards": [
            {
                "question_id": c.question_id,
                "due": _iso(c.due),
                "last_review": _iso(c.last_review),
                "state": c.state,
                "stability": c.stability,
                "difficulty": c.difficulty,
                "reviews": c.reviews,
                "lapses": c.lapses,
            }
            for c in data.cards
        ],
        "review_days": [
            {
                "local_date": _iso(d.local_date),
                "question_ids": list(d.question_ids),
                "outcome": d.outcome,
                "claimed_at": _iso(d.claimed_at),
            }
            for d in data.days
        ],
    }
