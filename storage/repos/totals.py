"""Keeps score_totals in step with the answers, in the same transaction as each change; recounts it."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Answer, ScoreTotal
from storage.records import AnswerRecord, Facts
from storage.repos import upsert_insert

ORDER_COLUMNS = {1: "first", 2: "second", 3: "third"}
FACT_COLUMNS = ("answers", "correct", "weighted_credit", "first", "second", "third")


def add(session: Session, workspace_id: str, user_id: str, **deltas: Any) -> None:
    """Add to a person's running sums, creating the row on first use (an upsert, safe under concurrency)."""
    table = ScoreTotal.__table__
    stmt = upsert_insert(session, table).values(
        workspace_id=workspace_id, user_id=user_id, **{c: deltas.get(c, 0) for c in FACT_COLUMNS}
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "user_id"],
        set_={name: getattr(table.c, name) + value for name, value in deltas.items()},
    )
    session.connection().execute(stmt)  # Core, not the ORM: this runs with every answer


@functools.cache
def _add_answer(dialect: str) -> Any:
    """The upsert every scored answer runs, built once per database kind (building costs more than running)."""
    table = ScoreTotal.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table).values(
        workspace_id=bindparam("workspace_id"),
        user_id=bindparam("user_id"),
        answers=1,
        correct=bindparam("correct", type_=table.c.correct.type),
        weighted_credit=bindparam("weighted", type_=table.c.weighted_credit.type),
        first=0,
        second=0,
        third=0,
    )
    return stmt.on_conflict_do_update(
        index_elements=["workspace_id", "user_id"],
        set_={
            "answers": table.c.answers + 1,
            "correct": table.c.correct + stmt.excluded.correct,
            "weighted_credit": table.c.weighted_credit + stmt.excluded.weighted_credit,
        },
    )


def record_answer(session: Session, answer: AnswerRecord) -> None:
    if answer.practice:
        return
    connection = session.connection()
    params = {
        "workspace_id": answer.workspace_id,
        "user_id": answer.user_id,
        "correct": int(answer.correct),
        "weighted": answer.difficulty * answer.credit,
    }
    connection.execute(_add_answer(connection.dialect.name), params)


def record_order(session: Session, workspace_id: str, user_id: str, order: int) -> None:
    column = ORDER_COLUMNS.get(order)
    if column:
        add(session, workspace_id, user_id, **{column: 1})


def _recount_query() -> Any:
    return (
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


def recount(session: Session) -> dict[tuple[str, str], Facts]:
    """Every person's sums, counted afresh from the answers."""
    return {
        (ws, user): Facts(int(n), int(c or 0), float(w or 0), int(f or 0), int(s or 0), int(t or 0))
        for ws, user, n, c, w, f, s, t in session.execute(_recount_query())
    }


def stored(session: Session) -> dict[tuple[str, str], Facts]:
    """Every person's running sums as the table holds them (rows with no answers left count as empty)."""
    rows = session.execute(
        select(ScoreTotal.workspace_id, ScoreTotal.user_id, *(getattr(ScoreTotal, c) for c in FACT_COLUMNS))
    )
    return {
        (ws, user): Facts(int(n), int(c), float(w), int(f), int(s), int(t))
        for ws, user, n, c, w, f, s, t in rows
        if (n, c, w, f, s, t) != (0, 0, 0, 0, 0, 0)
    }


def rebuild(session: Session, workspace_id: str | None = None) -> int:
    """Recompute the rows (of one workspace, or all) from the answers; returns how many people have totals."""
    doomed = delete(ScoreTotal)
    scored = _recount_query()
    if workspace_id is not None:
        doomed = doomed.where(ScoreTotal.workspace_id == workspace_id)
        scored = scored.where(Answer.workspace_id == workspace_id)
    session.execute(doomed)
    columns = ["workspace_id", "user_id", *FACT_COLUMNS]
    session.execute(insert(ScoreTotal).from_select(columns, scored))
    count = select(func.count()).select_from(ScoreTotal)
    if workspace_id is not None:
        count = count.where(ScoreTotal.workspace_id == workspace_id)
    return session.scalar(count) or 0  # rowcount is -1 on psycopg
