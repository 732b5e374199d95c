"""SQLAlchemy 2 typed models. Every row carries the Slack workspace id; uniqueness is the database's job.
One declarative Base; the tables are grouped by job in the modules below."""

from storage.models.core import (
    Answer,
    AskedQuestion,
    Base,
    HelpfulVote,
    ProcessedEvent,
    QuizChannel,
    QuizPost,
    ScoreTotal,
    Team,
    TeamMember,
    TopicSuggestion,
    UserName,
    Workspace,
)
from storage.models.learning import InsightPost, InsightSubscription, ReviewCard, ReviewDay, ReviewSetting

__all__ = [
    "Answer",
    "AskedQuestion",
    "Base",
    "HelpfulVote",
    "InsightPost",
    "InsightSubscription",
    "ProcessedEvent",
    "QuizChannel",
    "QuizPost",
    "ReviewCard",
    "ReviewDay",
    "ReviewSetting",
    "ScoreTotal",
    "Team",
    "TeamMember",
    "TopicSuggestion",
    "UserName",
    "Workspace",
]
