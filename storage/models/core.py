"""The core tables: questions asked, the quiz, answers and scores, teams, workspaces, names."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AskedQuestion(Base):
    """A question someone asked and what the matcher made of it: the raw material of `content gaps`."""

    __tablename__ = "asked_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # the conversation: a follow-up reads its topic
    surface: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_asked_band", "band", "asked_at"),
        Index("ix_asked_thread", "workspace_id", "channel_id", "thread_ts", "asked_at"),
    )


class HelpfulVote(Base):
    """One vote per person per topic; voting again changes the vote."""

    __tablename__ = "helpful_votes"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(40))
    helpful: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", "topic", name="uq_vote_per_topic"),)


class TopicSuggestion(Base):
    """Evidence from a click that a question belongs to a topic: one row per person, question and topic.

    Nothing is learned from it until an operator accepts the pair (`lab2prod content accept`)."""

    __tablename__ = "topic_suggestions"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(String(200))  # in phrasing form (bot/tutor/text.phrasing_form)
    topic: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))  # did_you_mean | thumbs_down (a 👎, then another topic)
    seen_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)  # added to topics.yaml: not listed again
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", "question", "topic", name="uq_suggestion_per_person"),
        Index("ix_suggestions_pairs", "workspace_id", "accepted_at", "question", "topic"),
    )


class ProcessedEvent(Base):
    """The inbox of Slack events: stored before Slack gets its ack, handled after, marked handled last.

    The primary key makes Slack's retries no-ops; a stored event that was never handled (the process died
    between the ack and the reply) is picked up again by the scheduler."""

    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[datetime] = mapped_column(DateTime)  # when Slack delivered it
    payload: Mapped[str | None] = mapped_column(Text)  # the event, kept until handled
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)  # a handler's lease on it
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_events_pending", "handled_at", "claimed_at"),)


class QuizChannel(Base):
    __tablename__ = "quiz_channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    post_time: Mapped[str] = mapped_column(String(5))  # HH:MM wall-clock time in `tz`
    tz: Mapped[str] = mapped_column(String(64))
    weekdays: Mapped[str] = mapped_column(String(27))  # "mon,tue,wed"
    close_after_minutes: Mapped[int] = mapped_column(Integer)
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=True)
    insights: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # weekly insights post
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))  # why the last post failed, for `channels list`
    skipped_on: Mapped[date | None] = mapped_column(Date)  # a local date given up after a permanent error
    # One schedule per channel id, whichever workspace set it: a Slack Connect channel has one id everywhere.
    __table_args__ = (UniqueConstraint("channel_id", name="uq_quiz_channel"),)


class QuizPost(Base):
    """One daily question in one channel. The row is claimed before posting, so a second poster loses the race.

    A claim whose message_ts is still empty may have reached Slack anyway (a dropped connection after Slack
    posted): it is never deleted blindly; the poster looks for the message before sending again."""

    __tablename__ = "quiz_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    question_id: Mapped[str] = mapped_column(String(60))
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime)  # results shown in Slack; retried until set
    shown_count: Mapped[int] = mapped_column(Integer, default=0)  # answer count the channel message shows
    shown_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime)  # the latest send to Slack began then
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    summary_due: Mapped[bool] = mapped_column(Boolean, default=False)  # last week's board goes out with this post
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    summary_attempted_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("channel_id", "local_date", name="uq_post_per_channel_day"),
        Index("ix_posts_open", "closed_at", "closes_at"),
    )


class Answer(Base):
    """A graded answer. Points are derived from these facts by the scoring rules, never stored."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    # No cascade: an answer outlives anything that happens to its post row (a scored answer is a fact).
    post_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_posts.id", ondelete="RESTRICT"))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    question_id: Mapped[str] = mapped_column(String(60))
    topic: Mapped[str] = mapped_column(String(40))
    difficulty: Mapped[int] = mapped_column(Integer)
    choice: Mapped[str] = mapped_column(String(32))  # chosen option indexes, "0,2"
    credit: Mapped[float] = mapped_column(Float)  # 0..1 from the grading rule at answer time
    correct: Mapped[bool] = mapped_column(Boolean)
    correct_order: Mapped[int | None] = mapped_column(Integer)  # 1 = first fully correct answer of the post
    practice: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(DateTime)
    message_ts: Mapped[str | None] = mapped_column(String(32))  # practice: the question's message, so a replay is one
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", name="uq_answer_per_post_user"),
        UniqueConstraint("workspace_id", "user_id", "question_id", "message_ts", name="uq_practice_answer"),
        # Covers the period leaderboards: SQLite answers them from the index alone, never the table.
        Index(
            "ix_answers_board",
            "workspace_id",
            "practice",
            "answered_at",
            "user_id",
            "difficulty",
            "credit",
            "correct",
            "correct_order",
        ),
        Index("ix_answers_user", "workspace_id", "user_id", "answered_at"),
        Index("ix_answers_items", "workspace_id", "practice", "question_id", "correct"),
        # Covers a channel's insights (per topic, per week, per question): answered from the index alone.
        Index(
            "ix_answers_insights",
            "workspace_id",
            "channel_id",
            "answered_at",
            "topic",
            "correct",
            "user_id",
            "question_id",
        ),
        # How many people ever answered in a channel: one seek per person (a loose index scan).
        Index("ix_answers_channel_people", "workspace_id", "channel_id", "user_id", "answered_at"),
    )


class ScoreTotal(Base):
    """Running all-time sums of a person's scored answers: facts, not points.

    Points are still derived by the rules (base x weighted credit + bonus per fast-answer count), so a
    change of rule constants rewrites nothing; the table only saves re-reading every answer for the
    all-time board. `lab2prod db verify` recounts it from the answers; `db rebuild-totals` fixes it."""

    __tablename__ = "score_totals"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    weighted_credit: Mapped[float] = mapped_column(Float, default=0.0)  # sum of difficulty x credit
    first: Mapped[int] = mapped_column(Integer, default=0)  # times the first correct answer of a post
    second: Mapped[int] = mapped_column(Integer, default=0)
    third: Mapped[int] = mapped_column(Integer, default=0)


class Workspace(Base):
    """A workspace the app is (or was) installed in: when it left decides when its data is purged."""

    __tablename__ = "workspaces"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[datetime] = mapped_column(DateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(DateTime)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(40))  # case-folded, so "Ops" and "ops" are one team
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="uq_team_name"),)


class TeamMember(Base):
    __tablename__ = "team_members"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # one team per person per workspace
    team_pk: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime)


class UserName(Base):
    """Display names from users.info, refreshed at most daily so leaderboards never call Slack per row."""

    __tablename__ = "user_names"
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
