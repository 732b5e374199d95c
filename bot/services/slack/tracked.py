"""Messages that must go out once: each carries its claim's id in Slack's message metadata, so that when Slack's
answer is lost the channel's history says whether it arrived before anyone sends it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.kit import Block
from bot.services.slack.clients import slack_error

# Slack errors that retrying every tick cannot fix; the channel is skipped for the day instead.
NOT_INSTALLED_ERROR = "not_installed"  # ours, not Slack's: the app holds no token for the workspace
PERMANENT_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "missing_scope",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        NOT_INSTALLED_ERROR,
    }
)
# A DM to this person cannot be delivered, now or on a retry: whoever sends it switches them off.
UNDELIVERABLE_DM = frozenset({"cannot_dm_bot", "user_not_found", "account_inactive", "user_disabled"})
# Slack answered, but not whether it acted: "It's possible some aspect of the operation succeeded".
UNSURE_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})
RESOLVE_AFTER = timedelta(minutes=2)  # longer than any send with its retries can take
HISTORY_PAGES = 5


@dataclass(frozen=True)
class Sent:
    """How a send ended: `ts` when Slack confirmed it, `refused` when Slack plainly said no, else unknown."""

    ts: str | None = None
    refused: str | None = None
    unsure: str | None = None


def send_tracked(client: WebClient, channel_id: str, text: str, blocks: list[Block], event: str, post_id: int) -> Sent:
    """One chat.postMessage carrying the claim's id in its metadata, so the message can be found again."""
    metadata = {"event_type": event, "event_payload": {"post_id": post_id}}
    try:
        response = client.chat_postMessage(channel=channel_id, text=text, blocks=blocks, metadata=metadata)
    except SlackApiError as exc:
        error = slack_error(exc)
        if exc.response.status_code >= 500 or error in UNSURE_ERRORS:
            return Sent(unsure=error)
        return Sent(refused=error)
    except Exception as exc:  # dropped connection, timeout: Slack may have posted
        return Sent(unsure=exc.__class__.__name__)
    return Sent(ts=response["ts"])


def find_tracked(client: WebClient, channel_id: str, event: str, post_id: int, since: datetime) -> str | None:
    """The ts of our message carrying `post_id` in its metadata, posted since `since` (naive UTC); None if absent.

    Raises SlackApiError when the history cannot be read (then nobody may decide that it is absent)."""
    oldest = f"{(since - timedelta(minutes=5)).replace(tzinfo=ZoneInfo('UTC')).timestamp():.6f}"
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(
            channel=channel_id, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
        )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event and str(payload.get("post_id")) == str(post_id):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None
