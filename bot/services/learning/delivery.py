"""`post-reviews`: each opted-in person's review DM, at most once per local day, at their own time.

Every tick reads who opted in and which of their days are already claimed (two queries), then, for each
person whose time has come today and whose day is unclaimed, picks up to 3 due cards (oldest due first, from
an index) and claims the day with a unique key: another replica or a retry that loses the race sends
nothing. A day with nothing due is claimed too, so nobody's cards are looked up twice a day.

DMs go out as `conversations.open` then `chat.postMessage`. A person Slack cannot reach (`cannot_dm_bot`,
`user_not_found`, a deactivated account) is switched off at once, with the reason kept and logged: no retry,
no later day. Any other failure ends that day's review (never a second DM the same day); only a rate limit
before anything was sent frees the day for the next tick."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.review_blocks import review_dm_blocks
from bot.services.quiz.posting import topic_title
from bot.services.runtime.context import Context
from bot.services.slack.clients import NotInstalled, slack_error
from bot.services.slack.tracked import UNDELIVERABLE_DM
from bot.tutor import review_rules
from bot.tutor.schedule_rules import parse_time
from storage.db import reading, transaction
from storage.records import ReviewSettingRecord
from storage.repos import reviews

log = logging.getLogger(__name__)
NOTHING_DUE, SENDING, SENT = "nothing_due", "sending", "sent"


@dataclass(frozen=True)
class Due:
    """A person whose review is due now: their local day and the question ids of its cards (maybe none)."""

    setting: ReviewSettingRecord
    day: date
    question_ids: list[str]


def pick_due(session: Session, now: datetime) -> list[Due]:
    """Everyone whose review time has come today and whose day is unclaimed, with up to 3 due cards each."""
    waiting = []
    times: dict[str, time] = {}  # parsed once per distinct time, not per person
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
        review_rules.CARDS_PER_DAY,
    )
    return [Due(setting, day, ids) for (setting, day, _), ids in zip(unclaimed, picked, strict=True)]


def post_due(ctx: Context) -> list[str]:
    """Send every review that is due now. Safe to run anywhere, any number of times at once."""
    now = ctx.clock()
    with reading(ctx.sessions) as session:
        due = pick_due(session, now)
    report = []
    for person in due:
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
    questions = [ctx.bank.questions_by_id[q] for q in ids]
    blocks = review_dm_blocks([(q, topic_title(ctx, q)) for q in questions])
    channel = None
    try:
        client = ctx.slack.for_workspace(setting.workspace_id)
        opened = client.conversations_open(users=setting.user_id)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise ValueError("conversations.open returned no channel")
        sent = client.chat_postMessage(
            channel=channel, text=f"Your review: {len(ids)} question(s) to answer", blocks=blocks
        )
    except NotInstalled:
        _finish(ctx, day_id, "refused: not_installed")
        return "the app is not installed in the workspace"
    except SlackApiError as exc:
        return _refused(ctx, setting, day_id, slack_error(exc), channel, exc.response.status_code, now)
    except Exception as exc:  # a dropped connection: Slack may have posted; never a second DM today
        if channel is None:
            _release(ctx, day_id)
            return f"could not open the DM ({exc.__class__.__name__}); will try again"
        _finish(ctx, day_id, f"unsure: {exc.__class__.__name__}", channel)
        return "Slack's answer was lost; not sent again today"
    _finish(ctx, day_id, SENT, channel, str(sent.get("ts") or ""))
    return f"sent {len(ids)} card(s)"


def _refused(
    ctx: Context, setting: ReviewSettingRecord, day_id: int, error: str, channel: str | None, status: int, now: datetime
) -> str:
    if error in UNDELIVERABLE_DM:
        log.warning("review DM undeliverable (%s): reviews switched off for the person", error)
        with transaction(ctx.sessions) as session:
            reviews.switch_off(session, setting.workspace_id, setting.user_id, error, now)
            reviews.finish_day(session, day_id, f"refused: {error}", channel)
        return f"cannot be reached ({error}); reviews switched off"
    if error == "ratelimited" and channel is None:
        _release(ctx, day_id)
        return "rate limited; will try again"
    log.warning("Slack refused a review DM (%s); the day's review is skipped", error)
    _finish(ctx, day_id, f"{'unsure' if status >= 500 else 'refused'}: {error}", channel)
    return f"Slack refused the DM ({error}); skipped today"


def _finish(ctx: Context, day_id: int, outcome: str, channel: str | None = None, ts: str | None = None) -> None:
    with transaction(ctx.sessions) as session:
        reviews.finish_day(session, day_id, outcome[:64], channel, ts)


def _release(ctx: Context, day_id: int) -> None:
    with transaction(ctx.sessions) as session:
        reviews.release_day(session, day_id)
