"""Logging an operator can trust: one line per event, nothing a request sent can forge a line or leak a secret.

Every message is escaped (newlines and other control characters become visible escapes), clipped, and
scrubbed of Slack tokens and the signing secret. LOG_FORMAT=json writes one JSON object per line."""

from __future__ import annotations

import json
import logging
import os
import re

MAX_MESSAGE = 2000
_TOKEN = re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+|\bxoxe\.[A-Za-z0-9.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def clean(text: str, secrets: tuple[str, ...] = ()) -> str:
    """A single, bounded, secret-free line."""
    text = _TOKEN.sub("xox…redacted", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…redacted")
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + f"… ({len(text) - MAX_MESSAGE} more characters)"
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def _secrets() -> tuple[str, ...]:
    return tuple(
        value
        for name in ("SLACK_SIGNING_SECRET", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
        if (value := os.environ.get(name, "").strip()) and len(value) >= 6
    )


class LineFormatter(logging.Formatter):
    """time level logger: message — with the message cleaned; a traceback (our own bugs) follows as is."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.secrets = _secrets()

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = clean(record.getMessage(), self.secrets)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets = _secrets()

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": clean(record.getMessage(), self.secrets),
        }
        if record.exc_info:
            event["error"] = clean(self.formatException(record.exc_info).replace("\n", " | "), self.secrets)
        return json.dumps(event, ensure_ascii=False)


def configure(level: str | None = None, fmt: str | None = None) -> None:
    """Set up the root logger from LOG_LEVEL (INFO) and LOG_FORMAT (text | json)."""
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "text").lower()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else LineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    for noisy in ("alembic", "slack_bolt", "lab2prod.bolt", "slack_sdk"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
