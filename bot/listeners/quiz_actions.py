"""Clicks on quiz questions: daily posts (the answer is stored, then acked) and private practice questions."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.quiz_blocks import DAILY, PRACTICE
from bot.listeners.payloads import (
    channel_of,
    field,
    first_action,
    message_ts_of,
    picked,
    services,
    team_of,
    ticked,
    user_of,
)
from bot.services.quiz import answering, practice
from bot.services.quiz.answering import Click
from bot.services.quiz.practice import PracticeClick

MAX_POST_ID = 2**31  # post ids are 32-bit integers in PostgreSQL; a bigger "id" in a payload is no post


def register(app: App) -> None:
    app.action(re.compile(rf"^{DAILY}_pick:\d+$"))(daily_pick)
    app.action(f"{DAILY}_submit")(daily_submit)
    app.action(re.compile(rf"^({DAILY}|{PRACTICE})_boxes$"))(boxes)
    app.action(re.compile(rf"^{PRACTICE}_pick:\d+$"))(practice_pick)
    app.action(f"{PRACTICE}_submit")(practice_submit)


def _click(body: dict[str, Any], ref: str, chosen: frozenset[int]) -> Click:
    return Click(
        team_of(body),
        user_of(body),
        channel_of(body),
        message_ts_of(body),
        field(body, "response_url") or None,
        int(ref) if ref.isdigit() and int(ref) < MAX_POST_ID else None,
        chosen,
    )


def daily_pick(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    value = picked(field(first_action(body), "value"))
    click = _click(body, value[0], value[1]) if value else _click(body, "", frozenset())
    answering.answer_click(services(context), client, click)
    ack()


def daily_submit(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    click = _click(body, field(first_action(body), "value"), ticked(body, f"{DAILY}_boxes"))
    answering.answer_click(services(context), client, click)
    ack()


def boxes(ack: Ack) -> None:
    ack()  # ticking a box is not an answer yet; Submit reads the ticked boxes from the message state


def _practice(body: dict[str, Any], question_id: str | None, chosen: frozenset[int]) -> PracticeClick:
    return PracticeClick(
        team_of(body), user_of(body), question_id, chosen, message_ts_of(body), field(body, "response_url")
    )


def practice_pick(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    value = picked(field(first_action(body), "value"))
    click = _practice(body, value[0], value[1]) if value else _practice(body, None, frozenset())
    practice.answer_practice_click(services(context), click)
    ack()


def practice_submit(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    question_id = field(first_action(body), "value") or None
    practice.answer_practice_click(services(context), _practice(body, question_id, ticked(body, f"{PRACTICE}_boxes")))
    ack()
