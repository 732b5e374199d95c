"""Every stored answer moves its review card, inside the answer's own transaction.

This runs with every click, on the writer thread (under `serve`) in the batch that stores the answer: one
primary-key read, an FSRS step (about 10 µs) and one upsert. No Slack call, no extra commit; an answer and
its card are stored together or not at all."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.tutor import review_rules
from bot.tutor.review_rules import Memory
from storage.records import AnswerRecord, ReviewCardRecord
from storage.repos import reviews


def record(session: Session, answer: AnswerRecord) -> None:
    """Rate the answer (wrong: Again, partly right: Hard, right: Good) and reschedule its card."""
    old = reviews.get_card(session, answer.workspace_id, answer.user_id, answer.question_id)
    memory = Memory(*(getattr(old, name) for name in reviews.CARD_FIELDS)) if old else None
    new = review_rules.review(memory, review_rules.rating(answer.correct, answer.credit), answer.answered_at)
    reviews.save_card(
        session,
        ReviewCardRecord(
            answer.workspace_id,
            answer.user_id,
            answer.question_id,
            *(getattr(new, name) for name in reviews.CARD_FIELDS),
        ),
    )
