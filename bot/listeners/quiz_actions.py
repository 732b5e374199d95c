"""Clicks on quiz questions: daily posts (answers are public facts, feedback is private) and practice."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import quiz_service, scores_service
from bot.blocks.quiz import DAILY, PRACTICE
from bot.blocks.scores import HOME_LEADERBOARD, HOME_PRACTICE, leaderboard_blocks
from bot.context import Context

log = logging.getLogger(__name__)


def _who(body: dict[str, Any]) -> tuple[str, str]:
    return (body.get("team") or {}).get("id", ""), (body.get("user") or {}).get("id", "")


def _pick(value: str) -> tuple[str, frozenset[int]] | None:
    ref, _, index = (value or "").rpartition(":")
    return (ref, frozenset({int(index)})) if ref and index.isdigit() else None


def _ticked(body: dict[str, Any], prefix: str) -> frozenset[int]:
    """The boxes ticked in the message's checkboxes, read from the state Slack sends with the Submit click."""
    chosen: set[int] = set()
    for block in (body.get("state") or {}).get("values", {}).values():
        for action_id, element in block.items():
            if action_id == f"{prefix}_boxes":
                chosen.update(int(o["value"]) for o in element.get("selected_options") or [] if o["value"].isdigit())
    return frozenset(chosen)


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def register(app: App, ctx: Context) -> None:
    def tell(client: WebClient, body: dict[str, Any], respond: Respond, outcome: quiz_service.Outcome) -> None:
        """Private feedback first; then, if it is this click's turn, the post's answer count."""
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        blocks = outcome.blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": outcome.text}}]
        try:
            client.chat_postEphemeral(channel=channel, user=_who(body)[1], text=outcome.text, blocks=blocks)
        except SlackApiError as exc:
            # Someone previewing a public channel they have not joined cannot get chat.postEphemeral there;
            # the click's own response_url reaches them anywhere.
            log.info("chat.postEphemeral failed (%s); answering through response_url", exc.response.get("error"))
            respond(text=outcome.text, blocks=blocks, response_type="ephemeral", replace_original=False)
        if outcome.count_update:
            quiz_service.show_count(ctx, client, *outcome.count_update)

    @app.action(re.compile(rf"^{DAILY}_pick:\d+$"))
    def daily_pick(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        picked = _pick(_first_action(body).get("value", ""))
        workspace, user = _who(body)
        if picked is None or not picked[0].isdigit():
            tell(client, body, respond, quiz_service.Outcome("I couldn't read that answer; please click again."))
            return
        tell(client, body, respond, quiz_service.answer_daily(ctx, workspace, user, int(picked[0]), picked[1]))

    @app.action(f"{DAILY}_submit")
    def daily_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        ref = _first_action(body).get("value", "")
        workspace, user = _who(body)
        if not ref.isdigit():
            tell(client, body, respond, quiz_service.Outcome("I couldn't read that answer; please click again."))
            return
        tell(client, body, respond, quiz_service.answer_daily(ctx, workspace, user, int(ref), _ticked(body, DAILY)))

    @app.action(re.compile(rf"^({DAILY}|{PRACTICE})_boxes$"))
    def boxes(ack: Ack) -> None:
        ack()  # ticking a box is not an answer yet; Submit reads the ticked boxes from the message state

    @app.action(HOME_PRACTICE)
    def home_practice(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()  # the Home tab has no response_url: the question arrives as a DM, where clicks can be answered
        workspace, user = _who(body)
        question, blocks = quiz_service.practice_question(ctx, workspace, user)
        client.chat_postMessage(channel=user, text=f"Practice: {question.prompt}", blocks=blocks)

    @app.action(HOME_LEADERBOARD)
    def home_leaderboard(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        workspace, user = _who(body)
        board = scores_service.leaderboard(ctx, client, workspace, "week", asker=user)
        client.chat_postMessage(channel=user, text="Leaderboard (this week)", blocks=leaderboard_blocks(board))

    @app.action(re.compile(rf"^{PRACTICE}_pick:\d+$"))
    def practice_pick(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        picked = _pick(_first_action(body).get("value", ""))
        if picked is None:
            respond(text="I couldn't read that answer; try `/tutor quiz` again.", replace_original=False)
            return
        _practice_reply(ctx, body, respond, picked[0], picked[1])

    @app.action(f"{PRACTICE}_submit")
    def practice_submit(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        _practice_reply(ctx, body, respond, _first_action(body).get("value", ""), _ticked(body, PRACTICE))


def _practice_reply(ctx: Context, body: dict[str, Any], respond: Respond, ref: str, chosen: frozenset[int]) -> None:
    workspace, user = _who(body)
    outcome = quiz_service.answer_practice(ctx, workspace, user, ref, chosen)
    if not outcome.recorded:
        respond(text=outcome.text, replace_original=False, response_type="ephemeral")
        return
    # Replace the practice question with its feedback, so the buttons cannot be clicked a second time.
    respond(text=outcome.text, blocks=outcome.blocks, replace_original=True, response_type="ephemeral")
