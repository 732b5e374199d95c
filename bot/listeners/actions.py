"""Button clicks outside the quiz: topic buttons ("Did you mean", related, topic list), helpful votes, and the
App Home's buttons."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.answer_blocks import HELPFUL_ACTION, TOPIC_ACTION
from bot.blocks.score_blocks import HOME_LEADERBOARD, HOME_PRACTICE
from bot.listeners.payloads import field, first_action, services, team_of, user_of
from bot.services.asking import questions
from bot.services.quiz import practice
from bot.services.scores import leaderboards


def register(app: App) -> None:
    app.action(re.compile(rf"^{TOPIC_ACTION}:"))(open_topic)
    app.action(re.compile(rf"^{HELPFUL_ACTION}:(yes|no)$"))(helpful)
    app.action(HOME_PRACTICE)(home_practice)
    app.action(HOME_LEADERBOARD)(home_leaderboard)


def open_topic(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    action = first_action(body)
    questions.pick_topic(
        services(context),
        team_of(body),
        user_of(body),
        field(action, "block_id"),
        field(action, "value"),
        field(body, "response_url"),
    )
    ack()


def helpful(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    action = first_action(body)
    yes = field(action, "action_id").endswith("yes")
    questions.vote(
        services(context), team_of(body), user_of(body), field(action, "value"), yes, field(body, "response_url")
    )
    ack()


def home_practice(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()  # the Home tab has no response_url: the question arrives as a DM, where clicks can be answered
    practice.send_practice_to_dm(services(context), client, team_of(body), user_of(body))


def home_leaderboard(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    leaderboards.post_board_to_dm(services(context), client, team_of(body), user_of(body))
