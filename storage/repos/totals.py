"""Keeps score_totals in step with the answers, in the same transaction as each change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from storage.models import Answer, ScoreTotal
from storage.repos import upsert_insert

ORDER_COLUMNS = {1: "first", 2: "second", 3: "third"}


def add(session: Session, workspace_id: str, user_id: str, **deltas: Any) -> None:
    """Add to a person's running sums, creating the row on first use (an upsert, safe under concurrency)."""
    table = ScoreTotal.__table__
    stmt = upsert_insert(session, table).values(
        workspace_id=workspace_id,
        user_id=user_id,
        **{c: deltas.get(c, 0) for c in ("answers", "correct", "weighted_credit", "first", "second", "third")},
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "user_id"],
        set_={name: getattr(table.c, name) + value for name, value in deltas.items()},
    )
    session.execute(stmt)


def record_answer(session: Session, answer: Answer) -> None:
    if answer.practice:
        return
    add(
        session,
        answer.workspace_id,
        answer.user_id,
        answers=1,
        correct=int(answer.correct),
        weighted_credit=answer.difficulty * answer.credit,
    )


def record_order(session: Session, workspace_id: str, user_id: str, order: int) -> None:
    column = ORDER_COLUMNS.get(order)
    if column:
        add(session, workspace_id, user_id, **{column: 1})


def rebuild(session: Session) -> int:
    """Recompute every row from the answers (after a restore, or to check the running sums)."""
    session.execute(delete(ScoreTotal))
    scored = (
        select(
            Answer.workspace_id,
            Answer.user_id,
            func.count(),
            func.sum(case((Answer.correct, 1), else_=0)),
            func.sum(Answer.difficulty * Answer.credit),
            *(func.sum(case((Answer.correct_order == k, 1), else_=0)) for k in ORDER_COLUMNS),
        )
        .where(Answer.practice.is_(False))
        .group_by(Answer.workspace_id, Answer.user_id)
    )
    columns = ["workspace_id", "user_id", "answers", "correct", "weighted_credit", "first", "second", "third"]
    session.execute(insert(ScoreTotal).from_select(columns, scored))
    return session.scalar(select(func.count()).select_from(ScoreTotal)) or 0  # rowcount is -1 on psycopg
