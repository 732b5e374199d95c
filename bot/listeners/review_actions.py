"""Clicks on personal reviews: a review card's buttons (stored, then acked) and the App Home's on/off buttons."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.review_blocks import HOME_REVIEW_OFF, HOME_REVIEW_ON, REVIEW
from bot.listeners.payloads import field, first_action, message_ts_of, picked, services, team_of, user_of
from bot.services.learning import home, reviews
from bot.services.quiz.practice import PracticeClick


def register(app: App) -> None:
    app.action(re.compile(rf"^{REVIEW}_pick:\d+$"))(review_pick)
    app.action(f"{REVIEW}_submit")(review_submit)
    app.action(f"{REVIEW}_boxes")(boxes)
    app.action(HOME_REVIEW_ON)(home_on)
    app.action(HOME_REVIEW_OFF)(home_off)


def _click(body: dict[str, Any], question_id: str | None, chosen: frozenset[int]) -> PracticeClick:
    return PracticeClick(
        team_of(body), user_of(body), question_id, chosen, message_ts_of(body), field(body, "response_url")
    )


def _ticked(body: dict[str, Any], block_id: str) -> frozenset[int]:
    """The boxes ticked in one card's checkboxes (a review DM holds several cards, each its own block)."""
    state = body.get("state") if isinstance(body.get("state"), dict) else {}
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(f"{REVIEW}_boxes") if isinstance(block, dict) else None
    options = element.get("selected_options") if isinstance(element, dict) else None
    chosen = {field(o, "value") for o in options} if isinstance(options, list) else set()
    return frozenset(int(v) for v in chosen if v.isdigit() and len(v) < 3)


def review_pick(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    value = picked(field(first_action(body), "value"))
    click = _click(body, value[0], value[1]) if value else _click(body, None, frozenset())
    reviews.answer_review_click(services(context), click)
    ack()


def review_submit(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    action = first_action(body)
    question_id = field(action, "value") or None
    chosen = _ticked(body, field(action, "block_id"))
    reviews.answer_review_click(services(context), _click(body, question_id, chosen))
    ack()


def boxes(ack: Ack) -> None:
    ack()  # ticking a box is not an answer yet; Submit reads the ticked boxes


def home_on(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ctx, workspace, user = services(context), team_of(body), user_of(body)
    reviews.switch(ctx, workspace, user, True)
    ack()
    reviews.confirm_on(ctx, client, workspace, user, None)
    home.publish_home(ctx, client, workspace, user)


def home_off(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ctx, workspace, user = services(context), team_of(body), user_of(body)
    reviews.switch(ctx, workspace, user, False)
    ack()
    home.publish_home(ctx, client, workspace, user)
