"""What item analysis reads: daily posts per question, and the daily answers (never practice ones).

Every query is scoped to one workspace."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import Answer, QuizPost


@dataclass(frozen=True, slots=True)
class DailyAnswer:
    """One daily quiz answer, with only what item analysis needs (there can be a great many)."""

    question_id: str
    user_id: str
    topic: str
    difficulty: int  # declared difficulty when answered
    choice: frozenset[int]
    credit: float
    correct: bool


@lru_cache(maxsize=1024)
def _choice(text: str) -> frozenset[int]:
    """Parsed once per distinct text ("0,2"): a million answers share a handful of sets."""
    return frozenset(int(i) for i in text.split(",") if i)


def posts_per_question(session: Session, workspace_id: str) -> dict[str, int]:
    """How many daily posts of each question reached Slack (a claim whose message was never seen is not one)."""
    rows = session.execute(
        select(QuizPost.question_id, func.count())
        .where(QuizPost.workspace_id == workspace_id, QuizPost.message_ts.is_not(None))
        .group_by(QuizPost.question_id)
    )
    return {qid: int(n) for qid, n in rows}


def daily_answers(session: Session, workspace_id: str) -> list[DailyAnswer]:
    rows = session.execute(
        select(
            Answer.question_id,
            Answer.user_id,
            Answer.topic,
            Answer.difficulty,
            Answer.choice,
            Answer.credit,
            Answer.correct,
        )
        .where(Answer.workspace_id == workspace_id, Answer.practice.is_(False))
        .order_by(Answer.id)
    )
    return [
        DailyAnswer(qid, user, topic, difficulty, _choice(choice), float(credit), bool(correct))
        for qid, user, topic, difficulty, choice, credit, correct in rows
    ]


def daily_counts(session: Session, workspace_id: str, min_answers: int = 1) -> dict[str, tuple[int, int]]:
    """(daily answers, answers exactly right) per question with at least `min_answers` daily answers."""
    n = func.count()
    rows = session.execute(
        select(Answer.question_id, n, func.sum(case((Answer.correct, 1), else_=0)))
        .where(Answer.workspace_id == workspace_id, Answer.practice.is_(False))
        .group_by(Answer.question_id)
        .having(n >= min_answers)
    )
    return {qid: (int(total), int(right or 0)) for qid, total, right in rows}
