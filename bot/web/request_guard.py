"""Slack request verification on the raw bytes, before anything is parsed.

Slack signs every request: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}"). Anything that fails here gets a
401 and goes no further: no body parsing, no listener, no Slack call, no log of its content."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable

MAX_CLOCK_SKEW = 300  # seconds; Slack's own advice against replays
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # a plain decimal integer: no sign, space, exponent, hex or fraction
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class RequestGuard:
    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        if not signing_secret or not signing_secret.strip():
            raise ValueError("SLACK_SIGNING_SECRET is empty")
        self._secret = signing_secret.encode()
        self._clock = clock

    def problem(self, body: bytes, timestamp: str | None, signature: str | None) -> str | None:
        """Why the request is not Slack's ("stale timestamp", "bad signature"...), or None when it is."""
        if timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
            return "missing or malformed timestamp"
        if abs(self._clock() - int(timestamp)) > MAX_CLOCK_SKEW:
            return "stale timestamp"
        if signature is None or not _SIGNATURE.fullmatch(signature):
            return "missing or malformed signature"
        expected = "v0=" + hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(expected, signature) else "bad signature"
