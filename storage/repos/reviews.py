"""Personal reviews: a person's consent and time, their FSRS cards, and the claimed review DM of each day."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, String, bindparam, column, delete, func, select, true, update, values
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import ReviewCard, ReviewDay, ReviewSetting
from storage.records import ReviewCardRecord, ReviewData, ReviewDayRecord, ReviewSettingRecord
from storage.repos import upsert_insert

LATERAL_CHUNK = 1000
CARD_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reviews", "lapses")


def _setting(row: ReviewSetting) -> ReviewSettingRecord:
    return ReviewSettingRecord(
        row.workspace_id, row.user_id, row.enabled, row.review_time, row.tz, row.changed_at, row.stopped_reason
    )


def _card(row: Any) -> ReviewCardRecord:
    return ReviewCardRecord(
        row.workspace_id, row.user_id, row.question_id, *(getattr(row, name) for name in CARD_FIELDS)
    )


def _day(row: ReviewDay) -> ReviewDayRecord:
    ids = tuple(q for q in row.question_ids.split(",") if q)
    return ReviewDayRecord(
        row.id, row.workspace_id, row.user_id, row.local_date, row.claimed_at, ids, row.outcome, row.channel_id,
        row.message_ts,
    )  # fmt: skip


# -- consent ------------------------------------------------------------------------------------------------


def get_setting(session: Session, workspace_id: str, user_id: str) -> ReviewSettingRecord | None:
    row = session.get(ReviewSetting, (workspace_id, user_id))
    return _setting(row) if row else None


def save_setting(
    session: Session, workspace_id: str, user_id: str, enabled: bool, review_time: str | None, now: datetime
) -> ReviewSettingRecord:
    """Switch reviews on or off; a time of None keeps the one set before (09:00 for a newcomer)."""
    row = session.get(ReviewSetting, (workspace_id, user_id), with_for_update=True)
    if row is None:
        row = ReviewSetting(workspace_id=workspace_id, user_id=user_id, review_time=review_time or "09:00", tz=None)
        session.add(row)
    row.enabled = enabled
    row.review_time = review_time or row.review_time
    row.changed_at = now
    row.stopped_reason = None
    session.flush()
    return _setting(row)


def set_tz(session: Session, workspace_id: str, user_id: str, tz: str) -> None:
    session.execute(
        update(ReviewSetting)
        .where(ReviewSetting.workspace_id == workspace_id, ReviewSetting.user_id == user_id)
        .values(tz=tz)
    )


def switch_off(session: Session, workspace_id: str, user_id: str, reason: str, now: datetime) -> None:
    session.execute(
        update(ReviewSetting)
        .where(ReviewSetting.workspace_id == workspace_id, ReviewSetting.user_id == user_id)
        .values(enabled=False, stopped_reason=reason, changed_at=now)
    )


def enabled_settings(session: Session) -> list[ReviewSettingRecord]:
    """Everyone who opted in, in every workspace (each row says its workspace)."""
    rows = session.scalars(select(ReviewSetting).where(ReviewSetting.enabled.is_(True)))
    return [_setting(row) for row in rows]


# -- cards --------------------------------------------------------------------------------------------------

_KEY = (
    ReviewCard.workspace_id == bindparam("workspace_id"),
    ReviewCard.user_id == bindparam("user_id"),
)
# Built once: a card is read with every stored answer (inside the answer's own transaction).
_CARD_OF = select(ReviewCard).where(*_KEY, ReviewCard.question_id == bindparam("question_id"))
# Oldest due first, from ix_review_cards_due alone (it holds the question id too: no table reads). Only cards
# of live questions: a retired question's card stays the oldest due forever and would fill the day's places.
_DUE = (
    select(ReviewCard.question_id)
    .where(*_KEY, ReviewCard.due < bindparam("before"), ReviewCard.question_id.in_(bindparam("live", expanding=True)))
    .order_by(ReviewCard.due)
    .limit(bindparam("limit"))
)


def get_card(session: Session, workspace_id: str, user_id: str, question_id: str) -> ReviewCardRecord | None:
    row = session.scalars(
        _CARD_OF, {"workspace_id": workspace_id, "user_id": user_id, "question_id": question_id}
    ).first()
    return _card(row) if row else None


@functools.cache
def _save_statement(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ReviewCard)
    return statement.on_conflict_do_update(
        index_elements=["workspace_id", "user_id", "question_id"],
        set_={name: statement.excluded[name] for name in CARD_FIELDS},
    )


def save_card(session: Session, card: ReviewCardRecord) -> None:
    """Insert or replace a card (two answers to one question in one batch settle on the later one)."""
    values = {"workspace_id": card.workspace_id, "user_id": card.user_id, "question_id": card.question_id}
    values |= {name: getattr(card, name) for name in CARD_FIELDS}
    session.connection().execute(_save_statement(session.get_bind().dialect.name), values)


def due_question_ids(
    session: Session, wanted: Iterable[tuple[str, str, datetime]], live: Collection[str], limit: int = 3
) -> list[list[str]]:
    """For each (workspace, person, before): the question ids of their cards due before then, oldest due first,
    among the `live` question ids (cards of retired questions are kept but never due).

    One indexed range scan per person. SQLite runs them one by one on one connection (in-process calls are
    cheap); PostgreSQL gets them a thousand people per statement (a LATERAL join), saving a round trip each."""
    wanted, live = list(wanted), list(live)
    connection = session.connection()
    if not live:
        return [[] for _ in wanted]
    if connection.dialect.name != "postgresql":
        return [
            list(
                connection.execute(
                    _DUE, {"workspace_id": w, "user_id": u, "before": b, "live": live, "limit": limit}
                ).scalars()
            )
            for w, u, b in wanted
        ]
    found: dict[tuple[str, str], list[str]] = {}
    for start in range(0, len(wanted), LATERAL_CHUNK):
        chunk = wanted[start : start + LATERAL_CHUNK]
        people = values(column("ws", String), column("uid", String), column("before", DateTime), name="wanted").data(
            chunk
        )
        cards = (
            select(ReviewCard.question_id, ReviewCard.due)
            .where(
                ReviewCard.workspace_id == people.c.ws,
                ReviewCard.user_id == people.c.uid,
                ReviewCard.due < people.c.before,
                ReviewCard.question_id.in_(live),
            )
            .order_by(ReviewCard.due)
            .limit(limit)
            .lateral("cards")
        )
        rows = connection.execute(
            select(people.c.ws, people.c.uid, cards.c.question_id)
            .select_from(people.join(cards, true()))
            .order_by(people.c.ws, people.c.uid, cards.c.due)
        )
        for ws, uid, question_id in rows:
            found.setdefault((ws, uid), []).append(question_id)
    return [found.get((w, u), []) for w, u, _ in wanted]


def due_summary(
    session: Session, workspace_id: str, user_id: str, before: datetime, live: Collection[str]
) -> tuple[int, datetime | None, int]:
    """(cards due before `before`, the next due time of any card, all cards) of a person, counting only cards
    of the `live` question ids."""
    mine = (
        ReviewCard.workspace_id == workspace_id,
        ReviewCard.user_id == user_id,
        ReviewCard.question_id.in_(list(live)),
    )
    due = session.scalar(select(func.count()).where(*mine, ReviewCard.due < before)) or 0
    first, total = session.execute(select(func.min(ReviewCard.due), func.count()).where(*mine)).one()
    return due, first, total or 0


# -- the day's claim ----------------------------------------------------------------------------------------


def claimed_since(session: Session, first_day: date) -> set[tuple[str, str, date]]:
    """(workspace, person, local date) of every review day claimed from `first_day` on."""
    rows = session.execute(
        select(ReviewDay.workspace_id, ReviewDay.user_id, ReviewDay.local_date).where(ReviewDay.local_date >= first_day)
    )
    return {(ws, user, day) for ws, user, day in rows}


def day_claimed(session: Session, workspace_id: str, user_id: str, day: date) -> bool:
    """Whether one person's review for a local day is claimed (sent, or being sent)."""
    found = session.scalar(
        select(ReviewDay.id).where(
            ReviewDay.workspace_id == workspace_id, ReviewDay.user_id == user_id, ReviewDay.local_date == day
        )
    )
    return found is not None


def claim_day(
    session: Session, workspace_id: str, user_id: str, day: date, now: datetime, question_ids: list[str], outcome: str
) -> int | None:
    """Claim a person's review for a local day; None when someone (another replica, a retry) already has."""
    values = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "local_date": day,
        "claimed_at": now,
        "question_ids": ",".join(question_ids),
        "outcome": outcome,
    }
    return session.scalar(
        upsert_insert(session, ReviewDay).values(**values).on_conflict_do_nothing().returning(ReviewDay.id)
    )


def finish_day(
    session: Session, day_id: int, outcome: str, channel_id: str | None = None, message_ts: str | None = None
) -> None:
    session.execute(
        update(ReviewDay)
        .where(ReviewDay.id == day_id)
        .values(outcome=outcome, channel_id=channel_id, message_ts=message_ts)
    )


def unsure_days(session: Session, unsure: str, claimed_before: datetime) -> list[ReviewDayRecord]:
    """Days whose DM went out with its answer lost (outcome `unsure: …`), claimed before `claimed_before`."""
    rows = session.scalars(
        select(ReviewDay).where(
            ReviewDay.outcome.like(f"{unsure}:%"),
            ReviewDay.channel_id.is_not(None),
            ReviewDay.claimed_at < claimed_before,
        )
    )
    return [_day(row) for row in rows]


def take_day(session: Session, day_id: int, seen_outcome: str, outcome: str) -> bool:
    """Compare-and-set a day's outcome: True for the one caller that saw it as `seen_outcome`."""
    result = session.execute(
        update(ReviewDay).where(ReviewDay.id == day_id, ReviewDay.outcome == seen_outcome).values(outcome=outcome)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_day(session: Session, day_id: int) -> None:
    """Free a day whose send Slack plainly refused for a reason a later try may not meet."""
    session.execute(delete(ReviewDay).where(ReviewDay.id == day_id))


# -- a person's data ----------------------------------------------------------------------------------------


def review_data(session: Session, workspace_id: str, user_id: str) -> ReviewData:
    cards = session.scalars(
        select(ReviewCard)
        .where(ReviewCard.workspace_id == workspace_id, ReviewCard.user_id == user_id)
        .order_by(ReviewCard.due, ReviewCard.question_id)
    )
    days = session.scalars(
        select(ReviewDay)
        .where(ReviewDay.workspace_id == workspace_id, ReviewDay.user_id == user_id)
        .order_by(ReviewDay.local_date)
    )
    return ReviewData(
        get_setting(session, workspace_id, user_id), tuple(_card(c) for c in cards), tuple(_day(d) for d in days)
    )
