"""A person's own numbers: /tutor stats and the App Home tab."""

from __future__ import annotations

from bot.services.runtime.context import Context
from bot.services.scores import leaderboards
from bot.tutor import scoring
from bot.tutor.standings import Stats
from storage.db import reading
from storage.repos import boards, people


def personal_stats(ctx: Context, workspace_id: str, user_id: str) -> Stats:
    ranked = leaderboards.ranked_people(ctx, workspace_id, None)
    mine = next(((r, p) for r, p in ranked if p.user_id == user_id), None)
    with reading(ctx.sessions) as session:
        team = people.team_of(session, workspace_id, user_id)
        recent = boards.recent_by_topic(session, workspace_id, user_id)
    team_rank = None
    if team:
        team_rank = next(
            (r for r, t in leaderboards.ranked_teams(ctx, workspace_id, None) if t.team_pk == team.id), None
        )
    facts = mine[1].facts if mine else None
    return Stats(
        points=scoring.points(facts) if facts else 0.0,
        rank=mine[0] if mine else None,
        people=len(ranked),
        streak=leaderboards.streaks(ctx, workspace_id, [user_id])[user_id],
        accuracy=scoring.accuracy(facts.correct, facts.answers) if facts else 0.0,
        answers=facts.answers if facts else 0,
        team=team.name if team else None,
        team_rank=team_rank,
        mastery={topic: (sum(results), len(results)) for topic, results in recent.items()},
    )
