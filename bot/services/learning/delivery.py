"""`post-reviews`: each opted-in person's review DM, at most once per local day, at their own time.

Every tick reads who opted in and which of their days are already claimed (two queries), then, for each
person whose time has come today and whose day is unclaimed, picks up to 3 due cards (oldest due first, from
an index) and claims the day with a unique key: another replica or a retry that loses the race sends
nothing. A day with nothing due is claimed too, so nobody's cards are looked up twice a day.

DMs go out as `conversations.open` then `chat.postMessage`. A person Slack cannot reach (`cannot_dm_bot`,
`user_not_found`, a deactivated account) is switched off at once, with the reason kept and logged: no retry,
no later day. The DM carries the day's claim id in its metadata: when Slack's answer is lost, `resolve_unsure`
looks in the DM's history and sends again only if it is not there (and it is still the person's day), so each
person gets exactly one review DM a day. A plain refusal ends that day's review; only a rate limit before
anything was sent frees the day for the next tick. A person whose time zone Slack would not give at switch-on
is asked about again after each review DM until it does (UTC meanwhile)."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.review_blocks import review_dm_blocks
from bot.services.learning.reviews import learn_time_zone
from bot.services.quiz.posting import topic_title
from bot.services.runtime.context import Context
from bot.services.slack.clients import NotInstalled, slack_error
from bot.services.slack.tracked import RESOLVE_AFTER, UNDELIVERABLE_DM, find_tracked, send_tracked
from bot.tutor import review_rules
from bot.tutor.schedule_rules import parse_time
from storage.db import reading, transaction
from storage.records import ReviewDayRecord, ReviewSettingRecord
from storage.repos import reviews

log = logging.getLogger(__name__)
NOTHING_DUE, SENDING, SENT = "nothing_due", "sending", "sent"
UNSURE, RESOLVING = "unsure", "resolving"  # Slack's answer was lost; a resolver is looking in the DM's history
REVIEW_EVENT = "lab2prod_review"  # the message metadata's event type; its payload carries the day's claim id


@dataclass(frozen=True)
class Due:
    """A person whose review is due now: their local day and the question ids of its cards (maybe none)."""

    setting: ReviewSettingRecord
    day: date
    question_ids: list[str]


def pick_due(session: Session, now: datetime, live: Collection[str]) -> list[Due]:
    """Everyone whose review time has come today and whose day is unclaimed, with up to 3 due cards each (of the
    `live` question ids: a retired question's card never takes a place)."""
    waiting = []
    times: dict[str, clock_time] = {}  # parsed once per distinct time, not per person
    for setting in reviews.enabled_settings(session):
        tz = review_rules.zone(setting.tz)
        at = times.get(setting.review_time) or times.setdefault(setting.review_time, parse_time(setting.review_time))
        day = review_rules.review_day(now, at, tz)
        if day is not None:
            waiting.append((setting, day, tz))
    if not waiting:
        return []
    claimed = reviews.claimed_since(session, min(day for _, day, _ in waiting))
    unclaimed = [w for w in waiting if (w[0].workspace_id, w[0].user_id, w[1]) not in claimed]
    picked = reviews.due_question_ids(
        session,
        ((s.workspace_id, s.user_id, review_rules.day_end(day, tz)) for s, day, tz in unclaimed),
        live,
        review_rules.CARDS_PER_DAY,
    )
    return [Due(setting, day, ids) for (setting, day, _), ids in zip(unclaimed, picked, strict=True)]


def post_due(ctx: Context, budget_seconds: float | None = None) -> list[str]:
    """Send every review that is due now. Safe to run anywhere, any number of times at once.

    With a budget, nobody more is claimed once it is spent (at least one person always goes): the people left
    stay unclaimed and go out on the next call, so a slow Slack cannot hold up the scheduler's tick."""
    started, now = time.monotonic(), ctx.clock()
    with reading(ctx.sessions) as session:
        due = pick_due(session, now, ctx.bank.questions_by_id.keys())
    report = []
    for done, person in enumerate(due):
        if done and budget_seconds is not None and time.monotonic() - started >= budget_seconds:
            log.info("review DMs: time budget spent, %d person(s) left for the next tick", len(due) - done)
            report.append(f"{len(due) - done} more left for the next tick")
            break
        try:
            report.append(f"{person.setting.user_id}: {_one(ctx, person, now)}")
        except Exception as exc:  # one person's trouble must not hold up the others
            log.exception("the review DM for a person failed")
            report.append(f"{person.setting.user_id}: failed ({exc.__class__.__name__})")
    return report


def _one(ctx: Context, person: Due, now: datetime) -> str:
    setting = person.setting
    ids = [q for q in person.question_ids if q in ctx.bank.questions_by_id]  # a retired question never comes
    with transaction(ctx.sessions) as session:
        day_id = reviews.claim_day(
            session, setting.workspace_id, setting.user_id, person.day, now, ids, SENDING if ids else NOTHING_DUE
        )
    if day_id is None:
        return "already claimed"
    if not ids:
        return "nothing due"
    return _send(ctx, setting, day_id, ids, now)


def _send(ctx: Context, setting: ReviewSettingRecord, day_id: int, ids: list[str], now: datetime) -> str:
    channel = None
    try:
        client = ctx.slack.for_workspace(setting.workspace_id)
        opened = client.conversations_open(users=setting.user_id)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise ValueError("conversations.open returned no channel")
    except NotInstalled:
        _finish(ctx, day_id, "refused: not_installed")
        return "the app is not installed in the workspace"
    except SlackApiError as exc:
        return _refused(ctx, setting, day_id, slack_error(exc), None, now)
    except Exception as exc:  # nothing was posted yet: the next tick may try again
        _release(ctx, day_id)
        return f"could not open the DM ({exc.__class__.__name__}); will try again"
    return _post(ctx, client, setting, day_id, channel, ids, now)


def _post(
    ctx: Context,
    client: WebClient,
    setting: ReviewSettingRecord,
    day_id: int,
    channel: str,
    ids: list[str],
    now: datetime,
) -> str:
    """The DM itself, with the day's claim id in its metadata so that a lost answer can be settled later."""
    questions = [ctx.bank.questions_by_id[q] for q in ids]
    blocks = review_dm_blocks([(q, topic_title(ctx, q)) for q in questions])
    text = f"Your review: {len(ids)} question(s) to answer"
    sent = send_tracked(client, channel, text, blocks, REVIEW_EVENT, day_id)
    if sent.refused:
        return _refused(ctx, setting, day_id, sent.refused, channel, now)
    if sent.unsure:
        log.warning("a review DM may or may not have arrived (%s)", sent.unsure)
        _finish(ctx, day_id, f"{UNSURE}: {sent.unsure}", channel)
        return "Slack's answer was lost; it will be looked for before any second send"
    _finish(ctx, day_id, SENT, channel, sent.ts)
    if setting.tz is None:
        _ask_time_zone_again(ctx, client, setting)
    return f"sent {len(ids)} card(s)"


def _ask_time_zone_again(ctx: Context, client: WebClient, setting: ReviewSettingRecord) -> None:
    """users.info may have failed when reviews were switched on: ask again after each review DM until Slack says
    (one call a day per such person), so the next days follow the person's own clock, not UTC."""
    try:
        learn_time_zone(ctx, client, setting.workspace_id, setting.user_id)
    except Exception:  # the DM is sent; a zone unknown one more day is no reason to report a failure
        log.warning("no time zone for a review yet; asking again after the next one", exc_info=True)


def resolve_unsure(ctx: Context) -> list[str]:
    """Settle review DMs whose fate Slack's lost answer hid: adopt the message if the DM holds it, else send it
    again while it is still the person's day. One resolver wins each day (a compare-and-set on its outcome)."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        unsure = reviews.unsure_days(session, UNSURE, now - RESOLVE_AFTER)
    report = []
    for day in unsure:
        with transaction(ctx.sessions) as session:
            if not reviews.take_day(session, day.id, day.outcome, RESOLVING):
                continue  # another resolver has it
            setting = reviews.get_setting(session, day.workspace_id, day.user_id)
        try:
            report.append(f"{day.user_id}: {_resolve(ctx, day, setting, now)}")
        except Exception as exc:  # never a second DM on a doubt: the day ends unconfirmed
            log.exception("settling a review DM failed")
            _finish(ctx, day.id, f"unconfirmed: {exc.__class__.__name__}", day.channel_id)
            report.append(f"{day.user_id}: still unsure ({exc.__class__.__name__}); not sent again")
    return report


def _resolve(ctx: Context, day: ReviewDayRecord, setting: ReviewSettingRecord | None, now: datetime) -> str:
    client = ctx.slack.for_workspace(day.workspace_id)
    channel = str(day.channel_id)
    try:
        found = find_tracked(client, channel, REVIEW_EVENT, day.id, day.claimed_at)
    except SlackApiError as exc:  # nobody can tell it is absent, so nobody sends it again
        _finish(ctx, day.id, f"unconfirmed: {slack_error(exc)}", channel)
        return f"cannot read the DM's history ({slack_error(exc)}); not sent again"
    if found:
        _finish(ctx, day.id, SENT, channel, found)
        return "found the review DM in Slack"
    ids = [q for q in day.question_ids if q in ctx.bank.questions_by_id]
    at = parse_time(setting.review_time) if setting is not None and setting.enabled else None
    if at is None or not ids or review_rules.review_day(now, at, review_rules.zone(setting.tz)) != day.local_date:
        _finish(ctx, day.id, "missed: never arrived", channel)
        return "the review DM never arrived and its day is over (or reviews are off)"
    return _post(ctx, client, setting, day.id, channel, ids, now)


def _refused(
    ctx: Context, setting: ReviewSettingRecord | None, day_id: int, error: str, channel: str | None, now: datetime
) -> str:
    if error in UNDELIVERABLE_DM and setting is not None:
        log.warning("review DM undeliverable (%s): reviews switched off for the person", error)
        with transaction(ctx.sessions) as session:
            reviews.switch_off(session, setting.workspace_id, setting.user_id, error, now)
            reviews.finish_day(session, day_id, f"refused: {error}", channel)
        return f"cannot be reached ({error}); reviews switched off"
    if error == "ratelimited" and channel is None:
        _release(ctx, day_id)
        return "rate limited; will try again"
    log.warning("Slack refused a review DM (%s); the day's review is skipped", error)
    _finish(ctx, day_id, f"refused: {error}", channel)
    return f"Slack refused the DM ({error}); skipped today"


def _finish(ctx: Context, day_id: int, outcome: str, channel: str | None = None, ts: str | None = None) -> None:
    with transaction(ctx.sessions) as session:
        reviews.finish_day(session, day_id, outcome[:64], channel, ts)


def _release(ctx: Context, day_id: int) -> None:
    with transaction(ctx.sessions) as session:
        reviews.release_day(session, day_id)
