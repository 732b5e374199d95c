"""Item analysis for quiz authors (`lab2prod content stats`), and the observed difficulty the daily picker uses.

Daily answers only, one workspace at a time; the statistics themselves are `bot/tutor/item_analysis.py`."""

from __future__ import annotations

from bot.services.runtime.context import Context
from bot.tutor import item_analysis
from bot.tutor.item_analysis import ItemSpec, ItemStats
from storage.db import reading
from storage.repos import item_stats

RETIRED = "retired"  # the kind shown for a question no longer in the bank


def item_report(ctx: Context, workspace_id: str) -> list[ItemStats]:
    """Every question posted in the workspace with its statistics, flagged questions first."""
    with reading(ctx.sessions) as session:
        posted = item_stats.posts_per_question(session, workspace_id)
        answers = item_stats.daily_answers(session, workspace_id)
    specs = {q.id: ItemSpec(q.id, q.topic, q.kind, q.difficulty, len(q.options)) for q in ctx.bank.questions}
    # A question retired from the bank is still reported, with what its answers recorded (the latest wins).
    retired = {qid: ItemSpec(qid, "?", RETIRED, 0, None) for qid in posted if qid not in specs}
    for a in answers:
        if a.question_id not in specs:
            retired[a.question_id] = ItemSpec(a.question_id, a.topic, RETIRED, a.difficulty, None)
    return item_analysis.flagged_first(item_analysis.analyse({**specs, **retired}, posted, answers))


def observed_difficulties(ctx: Context, workspace_id: str) -> dict[str, int]:
    """Observed difficulty (1-3) of every question with at least PICKER_MIN_ANSWERS daily answers."""
    with reading(ctx.sessions) as session:
        counts = item_stats.daily_counts(session, workspace_id, item_analysis.PICKER_MIN_ANSWERS)
    return item_analysis.observed_levels(counts)
