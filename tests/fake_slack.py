"""A fake of the Slack Web API on 127.0.0.1 that records every call, as bolt-python's tests do.

Point a WebClient (or SLACK_API_URL) at `fake.api_url`. Responses to `response_url`s go to `fake.response_url(...)`.

By default the fake is instant and polite. A test can make it behave like the real Slack, at any time:

* `fake.latency = 0.2` (seconds before every answer); `fake.latency_by_method["chat.postMessage"] = 1.0`
  ("response_url" is a method name here).
* `fake.tiers = RateTiers(scale=60)`: Slack's rate tiers per workspace and method as token buckets, and
  chat.postMessage's ~1 per second per channel; over the limit a call gets 429 + Retry-After. With tiers on,
  a response_url also takes at most 5 uses in 30 minutes.
* `fake.fault("chat.postMessage", "acted_then_drop")`: the next call posts the message, then the TCP
  connection is closed without an HTTP response. Kinds: see FAULT_KINDS and `fault()`.
* A message store per channel (chat.postMessage / chat.update / chat.delete / conversations.history):
  `fake.messages("C1")`.
* Workspaces and OAuth: `fake.tokens[token] = team_id`; `fake.oauth_codes[code] = {...}` for oauth.v2.access;
  token rotation with grant_type=refresh_token.
* `fake.socket_mode = FakeSocketMode().start()`: apps.connections.open answers its ws:// URL.
* The split view's assistant.threads.setStatus / setTitle / setSuggestedPrompts are recorded and checked for
  their required arguments (`fake.of("assistant.threads.setStatus")`).
* File uploads as files_upload_v2 makes them: files.getUploadURLExternal answers an upload URL on this server,
  the POST to it is kept as bytes (`fake.uploads[file_id]`, recorded as the method "upload"), and
  files.completeUploadExternal shares the file in the channel (a message with `files`). conversations.open
  answers a DM channel "D" + the user id.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

DEFAULT_TEAM = "T1"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"

# Slack's published tiers, in calls per minute (docs.slack.dev/apis/web-api/rate-limits).
TIER_PER_MINUTE: dict[int, float] = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS: dict[str, int] = {
    "chat.postEphemeral": 4,
    "views.publish": 4,
    "users.info": 4,
    "auth.test": 4,  # "special" on Slack's page; treated as Tier 4
    "chat.update": 3,
    "chat.delete": 3,
    "conversations.info": 3,
    "conversations.history": 3,
    "conversations.open": 3,
    "users.list": 2,
    "apps.connections.open": 1,
}

FAULT_KINDS = ("http500", "http503", "hang", "acted_then_drop", "drop", "error", "ratelimited")

# What a response_url answers once it cannot be used any more (HTTP 404). "Expired url" (sic, with a space) is the
# error string Slack is known to send for an expired response_url (Sentry's Slack integration matches on it); no
# public source shows the string for the sixth use within 30 minutes, so "used_url" is this fake's guess.
RESPONSE_URL_EXPIRED = "Expired url"
RESPONSE_URL_USED_UP = "used_url"

_JSON_PARAMS = ("blocks", "view", "attachments", "metadata", "files")


class ConnectionDropped(Exception):
    """Raised by `FakeSlack.handle()` when the answer is "no answer": the HTTP server closes the connection."""


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or "response_url"; "chat.postMessage:429" when refused
    params: dict[str, Any]
    path: str = ""
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    team: str | None = None  # workspace of the calling token
    fault: str | None = None  # the injected fault (or "ratelimited"/"token_expired") this call met, if any


@dataclass
class RateTiers:
    """Slack's rate limits as token buckets, per workspace and method (per channel for chat.postMessage).

    `scale` speeds Slack's clock up: every rate is multiplied by it (scale=60: Tier 2 refills 20 calls per
    second instead of per minute) while a bucket's size, Slack's tolerated burst, stays what it is (Tier 2: 20).
    So a test sees Slack's real burst and recovers from it in 1/scale of the time. The 30-minute life of a
    response_url is divided by `scale` too.
    """

    scale: float = 1.0
    per_minute: dict[str, float] = field(default_factory=dict)  # method -> its limit per minute (before scale)
    burst: dict[str, float] = field(default_factory=dict)  # method -> bucket capacity (default: per-minute limit)
    method_tiers: dict[str, int] = field(default_factory=lambda: dict(METHOD_TIERS))
    post_message_per_second: float = 1.0  # chat.postMessage, per channel
    post_message_burst: float = 3.0
    response_url_uses: int | None = 5  # per response_url...
    response_url_minutes: float = 30.0  # ...within this many minutes of its issue (or first use)

    def shape(self, method: str) -> tuple[float, float] | None:
        """(capacity, tokens per second) of `method`'s bucket, or None when the method is not limited."""
        if method == "chat.postMessage" and method not in self.per_minute:
            return self.burst.get(method, self.post_message_burst), self.post_message_per_second * self.scale
        limit = self.per_minute.get(method)
        if limit is None and method in self.method_tiers:
            limit = TIER_PER_MINUTE[self.method_tiers[method]]
        if limit is None:
            return None
        return self.burst.get(method, limit), limit * self.scale / 60.0


@dataclass
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take a token; return 0, or the seconds until one is available (nothing taken)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate > 0 else math.inf


@dataclass
class Fault:
    """A fault injected by `FakeSlack.fault()`; `times` is what is left (None: until removed)."""

    method: str  # a method name, "response_url", or "*" for every call
    kind: str
    times: int | None = 1
    seconds: float = 0.0
    error: str | None = None
    act: bool = True
    when: Callable[[dict[str, Any]], bool] | None = None
    hits: int = 0


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # the default backlog of 5 resets connections in a burst; Slack's servers do not


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_limited: dict[str, int] = field(default_factory=dict)  # method -> how many 429s to answer first
    failing: dict[str, str] = field(default_factory=dict)  # method -> Slack error to return
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _ts: int = 0
    # -- behaviours, all off by default ------------------------------------------------------------------------
    latency: float = 0.0  # seconds before each Web API / response_url answer
    latency_by_method: dict[str, float] = field(default_factory=dict)
    tiers: RateTiers | None = None
    faults: list[Fault] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> team id (unknown tokens belong to T1)
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_id: str | None = None  # checked by oauth.v2.access when set
    client_secret: str | None = None
    app_id: str = "A1"
    token_lifetime: int = 43200  # expires_in of rotated tokens (Slack: 12 hours)
    socket_mode: Any = None  # a tests.fake_socket_mode.FakeSocketMode
    # Slack's clock, in epoch seconds: message ts values start from it. None keeps them at 1700000000.x;
    # tests with a frozen app clock set it to that clock, as Slack's and the app's clocks agree in life.
    clock: Callable[[], float] | None = None
    # -- state -------------------------------------------------------------------------------------------------
    _messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _issued_ts: set[str] = field(default_factory=set)
    _buckets: dict[tuple[str, ...], _Bucket] = field(default_factory=dict)
    _identities: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> auth.test identity
    _refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> the access token it renews
    _dead_tokens: set[str] = field(default_factory=set)
    _expires_at: dict[str, float] = field(default_factory=dict)  # token -> time.time() it expires
    _response_urls: dict[str, list[float]] = field(default_factory=dict)  # path -> [issued/first use, uses...]
    _serial: int = 0
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> the bytes POSTed to its upload URL
    _upload_urls: dict[str, str] = field(default_factory=dict)  # upload path -> file id
    _stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's servers allow
            # Headers and body leave in separate writes: without this, Nagle's algorithm and the client's
            # delayed ACK hold every kept-alive response back 40 ms.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                # For a fake running in another process (the benchmarks): /_replies lists what each
                # response_url received; any other path gives the number of calls per method.
                with fake._lock:
                    if self.path == "/_replies":
                        replies = [
                            {"user_click": c.path.removeprefix("/response/"), "text": c.params.get("text", "")}
                            for c in fake.calls
                            if c.method == "response_url"
                        ]
                        self._send(200, replies, {})
                        return
                    counts: dict[str, int] = {}
                    for call in fake.calls:
                        counts[call.method] = counts.get(call.method, 0) + 1
                self._send(200, counts, {})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # files_upload_v2's step 2: the file's bytes, as they are
                    status, text = fake._upload(self.path, raw)
                    self._send(status, text, {})
                    return
                params = _parse_body(raw, self.headers.get("Content-Type", ""))
                auth = self.headers.get("Authorization")
                if auth:
                    params.setdefault("_auth", auth)
                try:
                    status, body, headers = fake.handle(self.path, params)
                except ConnectionDropped:
                    self.close_connection = True  # not a byte of response: the client sees the connection close
                    return
                self._send(status, body, headers)

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout) while we were slow: as with Slack, nobody hears it
                    self.close_connection = True

        self._stopping = threading.Event()
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a hung handler never holds up stop() or the interpreter's exit
        # a short poll: shutdown() waits up to one poll_interval (0.5 s by default) for serve_forever to notice
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes every sleeping (latency, hang) handler at once
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url; with tiers on, its 30 minutes start now (the first time it is asked for)."""
        with self._lock:
            self._response_urls.setdefault(f"/response/{name}", [time.monotonic()])
        return f"{self.base}/response/{name}"

    # -- test controls --------------------------------------------------------------------------------------------

    def fault(
        self,
        method: str,
        kind: str,
        times: int | None = 1,
        seconds: float = 0.0,
        error: str | None = None,
        act: bool = True,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Fault:
        """Make the next `times` calls of `method` (None: every one, until `clear_faults()`) that satisfy `when`
        (called with the request's params) fail as `kind`:

        http500 / http503: that status, nothing done.  error: 200 {"ok": false, "error": error or
        "internal_error"}, nothing done.  ratelimited: 429 with Retry-After: max(1, seconds).  drop: wait
        `seconds`, close the connection without a response, nothing done.  acted_then_drop: do the call (record
        it, post the message), wait `seconds`, close the connection without a response.  hang: wait `seconds`;
        with act=True the call is done (at once) and answered normally after the wait, with act=False the
        connection is closed after the wait and nothing is done.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {FAULT_KINDS}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        added = Fault(method, kind, times, seconds, error, act, when)
        with self._lock:
            self.faults.append(added)
        return added

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def expire_token(self, token: str) -> None:
        """From now on calls with `token` get {"ok": false, "error": "token_expired"}, as after its 12 hours."""
        with self._lock:
            self._dead_tokens.add(token)

    def add_message(
        self,
        channel: str,
        text: str = "",
        *,
        user: str = "U1",
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Put a message (from a person, say) in a channel's history without an API call; returns its ts."""
        with self._lock:
            message = self._store_message(channel, text, blocks, metadata, thread_ts, DEFAULT_TEAM)
            message.update(user=user)
            message.pop("bot_id", None)
            message.pop("app_id", None)
            return message["ts"]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message in `channel` (replies too, metadata always), oldest first."""
        with self._lock:
            return [json.loads(json.dumps(m)) for m in self._messages.get(channel, [])]

    # -- behaviour ------------------------------------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one request: (status, JSON body, headers); raises ConnectionDropped for "no answer at all"."""
        arrived = time.monotonic()
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        self._sleep(self.latency_by_method.get(method, self.latency))
        token = _token_of(params)
        team = self._team_of(token)

        def call(name: str = method, fault: str | None = None) -> Call:
            return Call(name, params, path, arrived, team, fault)

        if method == "response_url":
            refusal = self._use_response_url(path)
            if refusal:
                self._record(call(method + ":404", refusal))
                return 404, {"ok": False, "error": refusal}, {}
        else:
            with self._lock:
                if self.rate_limited.get(method, 0) > 0:
                    self.rate_limited[method] -= 1
                    self.calls.append(call(method + ":429", "ratelimited"))
                    self._lock.notify_all()
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            if token and self._token_dead(token):
                self._record(call(fault="token_expired"))
                return 200, {"ok": False, "error": "token_expired"}, {}
            wait = self._take_rate_token(method, team, params)
            if wait:
                self._record(call(method + ":429", "ratelimited"))
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))}
        fault = self._next_fault(method, params)
        if fault is not None:
            return self._fail(fault, method, params, call)
        return 200, self._act(method, params, call()), {}

    def _act(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        """What Slack does for a call that reaches it: record it and answer (the answer may be ok: false)."""
        self._record(call)
        if method == "response_url":
            return {"ok": True}
        if method in self.failing:
            return {"ok": False, "error": self.failing[method]}
        return self._answer(method, params)

    def _fail(
        self, fault: Fault, method: str, params: dict[str, Any], call: Callable[..., Call]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        kind = fault.kind
        if kind in ("http500", "http503"):
            status = int(kind.removeprefix("http"))
            self._record(call(f"{method}:{status}", kind))
            error = "internal_error" if status == 500 else "service_unavailable"
            return status, {"ok": False, "error": error}, {}
        if kind == "error":
            self._record(call(fault=kind))  # like `failing`: Slack got the call and said no
            return 200, {"ok": False, "error": fault.error or "internal_error"}, {}
        if kind == "ratelimited":
            self._record(call(method + ":429", kind))
            retry_after = str(max(1, math.ceil(fault.seconds)))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
        if kind == "drop" or (kind == "hang" and not fault.act):
            self._sleep(fault.seconds)
            self._record(call(f"{method}:{kind}", kind))
            raise ConnectionDropped(kind)
        body = self._act(method, params, call(fault=kind))  # acted_then_drop, or hang that acts
        self._sleep(fault.seconds)
        if kind == "acted_then_drop":
            raise ConnectionDropped(kind)
        return 200, body, {}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return self._auth_test(_token_of(params))
        if method == "chat.postMessage":
            return self._post_message(params)
        if method == "chat.update":
            return self._update_message(params)
        if method == "chat.delete":
            return self._delete_message(params)
        if method == "conversations.history":
            return self._history(params)
        if method == "apps.connections.open":
            return self._connections_open(_token_of(params))
        if method == "oauth.v2.access":
            return self._oauth_v2_access(params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": "1700000000.999999"}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            if user is None:
                uid = params.get("user", "")
                user = {"id": uid, "name": uid.lower(), "profile": {"display_name": f"Person {uid}"}}
            return {"ok": True, "user": user}
        if method == "users.list":  # two pages, to exercise the client's cursor handling
            members = sorted(self.users.values(), key=lambda u: u["id"])
            half = len(members) // 2
            if params.get("cursor") == "page2":
                return {"ok": True, "members": members[half:], "response_metadata": {"next_cursor": ""}}
            return {"ok": True, "members": members[:half], "response_metadata": {"next_cursor": "page2"}}
        if method == "files.getUploadURLExternal":
            return self._upload_url(params)
        if method == "files.completeUploadExternal":
            return self._complete_upload(params)
        if method == "conversations.open":  # a DM with one person: its channel id is stable, as in Slack
            users = str(params.get("users", ""))
            if not users or "," in users:
                return {"ok": False, "error": "users_list_not_supplied" if not users else "not_implemented"}
            return {"ok": True, "channel": {"id": f"D{users}"}}
        if method == "conversations.info":
            channel = self.channels.get(params.get("channel", ""))
            return {"ok": True, "channel": channel} if channel else {"ok": False, "error": "channel_not_found"}
        if method.startswith("assistant.threads."):
            return _assistant_thread_call(method, params)
        return {"ok": True}

    # -- files ----------------------------------------------------------------------------------------------------

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            self._serial += 1
            file_id = f"F{self._serial:08d}"
            self._upload_urls[f"/upload/v1/{file_id}"] = file_id
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/v1/{file_id}"}

    def _upload(self, path: str, raw: bytes) -> tuple[int, str]:
        with self._lock:
            file_id = self._upload_urls.get(path)
            if file_id is None:
                return 404, "unknown upload URL"
            self.uploads[file_id] = raw
        self._record(Call("upload", {"file_id": file_id, "bytes": len(raw)}, path, time.monotonic(), DEFAULT_TEAM))
        return 200, f"OK - {len(raw)}"

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            if any(f.get("id") not in self.uploads for f in files):
                return {"ok": False, "error": "file_not_found"}
            shared = [{"id": f["id"], "title": f.get("title", ""), "mimetype": "image/png"} for f in files]
            channel = params.get("channel_id")
            if channel:  # shared into the conversation: a message carrying the files, as Slack posts it
                message = self._store_message(
                    channel, params.get("initial_comment") or "", None, None, params.get("thread_ts"), DEFAULT_TEAM
                )
                message["files"] = shared
        return {"ok": True, "files": shared}

    # -- messages -------------------------------------------------------------------------------------------------

    def _unknown_channel(self, channel: str) -> bool:
        return bool(self.channels) and channel not in self.channels

    def _store_message(
        self,
        channel: str,
        text: str,
        blocks: Any,
        metadata: Any,
        thread_ts: str | None,
        team: str,
    ) -> dict[str, Any]:
        self._ts += 1
        seconds = int(self.clock()) if self.clock else 1700000000
        ts = f"{seconds}.{self._ts:06d}"
        self._issued_ts.add(ts)
        message = {
            "type": "message",
            "ts": ts,
            "text": text,
            "blocks": blocks,
            "metadata": _metadata(metadata),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": self.app_id,
            "team": team,
            "thread_ts": thread_ts or None,
        }
        history = self._messages.setdefault(channel, [])
        history.append(message)
        parent = next((m for m in history if thread_ts and m["ts"] == thread_ts), None)
        if parent is not None and parent is not message:
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        return message

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel", "")
        if self._unknown_channel(channel):
            return {"ok": False, "error": "channel_not_found"}
        team = self._team_of(_token_of(params))
        with self._lock:
            message = self._store_message(
                channel,
                params.get("text", ""),
                params.get("blocks"),
                params.get("metadata"),
                params.get("thread_ts"),
                team,
            )
            return {"ok": True, "channel": channel, "ts": message["ts"], "message": _public(message, True)}

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

    def _held_message(
        self, params: dict[str, Any], echo: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the message an update or delete names, or None; the reply if it is None). Call with the lock held.
        A ts this fake issued and no longer has was deleted; one it never issued came from a test's own payload
        ("1.0"): answered ok, as the fake always did."""
        channel, ts = params.get("channel", ""), params.get("ts", "")
        if self._unknown_channel(channel):
            return None, {"ok": False, "error": "channel_not_found"}
        message = self._find(channel, ts)
        if message is not None:
            return message, {"ok": True, "channel": channel, "ts": ts}
        if ts in self._issued_ts:
            return None, {"ok": False, "error": "message_not_found"}
        return None, {"ok": True, "channel": channel, "ts": ts, **echo}

    def _update_message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message, reply = self._held_message(params, {"text": params.get("text", "")})
            if message is None:
                return reply
            for key in ("text", "blocks"):
                if key in params:
                    message[key] = params[key]
            if "metadata" in params:
                message["metadata"] = _metadata(params["metadata"])
            message["edited"] = {"user": BOT_USER_ID, "ts": f"{time.time():.6f}"}
            return {**reply, "text": message["text"], "message": _public(message, True)}

    def _delete_message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message, reply = self._held_message(params, {})
            if message is not None:
                self._messages[params.get("channel", "")].remove(message)
            return reply

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: top-level messages (no thread replies), newest first, cursor-paged."""
        channel = params.get("channel", "")
        if self._unknown_channel(channel):
            return {"ok": False, "error": "channel_not_found"}
        inclusive = _truthy(params.get("inclusive"))
        with_metadata = _truthy(params.get("include_all_metadata"))
        oldest, latest = _decimal(params.get("oldest"), Decimal(0)), _decimal(params.get("latest"), None)
        try:
            limit = max(1, min(999, int(params.get("limit") or 100)))
        except ValueError:
            return {"ok": False, "error": "invalid_limit"}
        cursor = params.get("cursor") or ""
        start: Decimal | None = None
        if cursor:
            try:
                start = Decimal(base64.b64decode(cursor).decode().removeprefix("next_ts:"))
            except (ValueError, InvalidOperation, binascii.Error, UnicodeDecodeError):
                return {"ok": False, "error": "invalid_cursor"}

        def wanted(m: dict[str, Any]) -> bool:
            ts = Decimal(m["ts"])
            if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
                return False  # a reply lives in conversations.replies
            if start is not None and ts > start:
                return False
            low_ok = ts >= oldest if inclusive else ts > oldest
            high_ok = latest is None or (ts <= latest if inclusive else ts < latest)
            return low_ok and high_ok

        with self._lock:
            found = sorted(
                (m for m in self._messages.get(channel, []) if wanted(m)), key=lambda m: Decimal(m["ts"]), reverse=True
            )
            page = [_public(m, with_metadata) for m in found[:limit]]
        has_more = len(found) > limit
        next_cursor = base64.b64encode(f"next_ts:{found[limit]['ts']}".encode()).decode() if has_more else ""
        return {
            "ok": True,
            "messages": page,
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    # -- workspaces, tokens, OAuth, Socket Mode ---------------------------------------------------------------

    def _team_of(self, token: str | None) -> str:
        if token is None:
            return DEFAULT_TEAM
        identity = self._identities.get(token)
        if identity is not None:
            return identity["team_id"]
        return self.tokens.get(token, DEFAULT_TEAM)

    def _token_dead(self, token: str) -> bool:
        with self._lock:
            expires = self._expires_at.get(token)
            return token in self._dead_tokens or (expires is not None and time.time() >= expires)

    def _auth_test(self, token: str | None) -> dict[str, Any]:
        identity = self._identities.get(token or "") or {}
        team = self._team_of(token)
        return {
            "ok": True,
            "url": f"https://{team.lower()}.slack.com/",
            "team": identity.get("team_name", f"Workspace {team}"),
            "user": "lab2prod",
            "team_id": team,
            "user_id": identity.get("user_id", BOT_USER_ID),
            "bot_id": identity.get("bot_id", BOT_ID),
            "enterprise_id": identity.get("enterprise_id"),
            "is_enterprise_install": False,
        }

    def _connections_open(self, token: str | None) -> dict[str, Any]:
        if self.socket_mode is None or not (token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_mode.new_url()}

    def _client_refusal(self, params: dict[str, Any]) -> str | None:
        if self.client_secret is None and self.client_id is None:
            return None
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        auth = params.get("_auth", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, binascii.Error, UnicodeDecodeError):
                return "invalid_client_id"
        if self.client_id is not None and client_id != self.client_id:
            return "invalid_client_id"
        if self.client_secret is not None and client_secret != self.client_secret:
            return "bad_client_secret"
        return None

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        refusal = self._client_refusal(params)
        if refusal:
            return {"ok": False, "error": refusal}
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                return self._rotate(params.get("refresh_token", ""))
            grant = self.oauth_codes.pop(params.get("code", ""), None)  # a code is good for one exchange
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            token = grant["bot_token"]
            org_wide = bool(grant.get("is_enterprise_install"))
            # An org-wide (Enterprise Grid) install has no workspace: its token acts in every workspace of the org,
            # and this fake attributes its calls to the org's id.
            team = grant["enterprise_id"] if org_wide else grant["team_id"]
            identity = {
                "team_id": team,
                "org_wide": org_wide,
                "team_name": grant.get("team_name", f"Workspace {team}"),
                "enterprise_id": grant.get("enterprise_id"),
                "user_id": grant.get("bot_user_id", BOT_USER_ID),
                "bot_id": grant.get("bot_id", f"B{team}"),
                "scope": grant.get("scope", "chat:write,commands"),
                "authed_user_id": grant.get("authed_user_id", "U1"),
            }
            self.tokens[token] = team
            self._identities[token] = identity
            expires_in = grant.get("expires_in")
            if grant.get("refresh_token"):
                self._refresh_tokens[grant["refresh_token"]] = token
            if expires_in is not None:
                self._expires_at[token] = time.time() + int(expires_in)
            return self._grant_response(token, identity, grant.get("refresh_token"), expires_in, with_user=True)

    def _rotate(self, refresh_token: str) -> dict[str, Any]:
        old = self._refresh_tokens.pop(refresh_token, None)  # a refresh token is revoked once used
        if old is None:
            return {"ok": False, "error": "invalid_refresh_token"}
        self._serial += 1
        identity = self._identities[old]
        team = identity["team_id"]
        token = f"xoxe.xoxb-1-{team}-{self._serial:04d}-rotated"
        new_refresh = f"xoxe-1-{team}-{self._serial:04d}-refresh"
        self._dead_tokens.add(old)
        self._identities[token] = identity
        self.tokens[token] = team
        self._refresh_tokens[new_refresh] = token
        self._expires_at[token] = time.time() + self.token_lifetime
        return self._grant_response(token, identity, new_refresh, self.token_lifetime, with_user=False)

    def _grant_response(
        self, token: str, identity: dict[str, Any], refresh: str | None, expires_in: Any, *, with_user: bool
    ) -> dict[str, Any]:
        enterprise = identity.get("enterprise_id")
        body: dict[str, Any] = {
            "ok": True,
            "app_id": self.app_id,
            "scope": identity["scope"],
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": identity["user_id"],
            "team": None if identity.get("org_wide") else {"id": identity["team_id"], "name": identity["team_name"]},
            "enterprise": {"id": enterprise, "name": f"Enterprise {enterprise}"} if enterprise else None,
            "is_enterprise_install": bool(identity.get("org_wide")),
        }
        if with_user:
            body["authed_user"] = {"id": identity["authed_user_id"]}
        if refresh:
            body["refresh_token"] = refresh
        if expires_in is not None:
            body["expires_in"] = int(expires_in)
        return body

    # -- limits and faults -------------------------------------------------------------------------------------

    def _take_rate_token(self, method: str, team: str, params: dict[str, Any]) -> float:
        tiers = self.tiers
        if tiers is None:
            return 0.0
        shape = tiers.shape(method)
        if shape is None:
            return 0.0
        key: tuple[str, ...] = (team, method)
        if method == "chat.postMessage" and method not in tiers.per_minute:
            key = (team, method, str(params.get("channel", "")))
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.capacity, bucket.rate) != shape:  # new, or the test changed the tiers
                bucket = self._buckets[key] = _Bucket(shape[0], shape[1], shape[0], now)
            return bucket.take(now)

    def _use_response_url(self, path: str) -> str | None:
        tiers = self.tiers
        now = time.monotonic()
        with self._lock:
            uses = self._response_urls.setdefault(path, [now])
            if tiers is None or tiers.response_url_uses is None:
                return None
            if now - uses[0] > tiers.response_url_minutes * 60 / tiers.scale:
                return RESPONSE_URL_EXPIRED
            if len(uses) - 1 >= tiers.response_url_uses:
                return RESPONSE_URL_USED_UP
            uses.append(now)
            return None

    def _next_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method not in (method, "*"):
                    continue
                if fault.when is not None and not fault.when(params):
                    continue
                fault.hits += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._stopping.wait(seconds):
            raise ConnectionDropped("stopped")  # stop() cuts every wait short; the client sees the connection close

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    # -- assertions -----------------------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until at least `count` calls of `method` arrived (listeners run after the HTTP ack)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c.method == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} {method} call(s); saw {seen}")
                self._lock.wait(left)
            return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()


def _assistant_thread_call(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """assistant.threads.setStatus / setTitle / setSuggestedPrompts (recorded like every call): refused as
    Slack refuses them when an argument is missing, or with more than 4 prompts or a prompt without both its
    title and its message."""
    required = {"setStatus": ("status",), "setTitle": ("title",), "setSuggestedPrompts": ("prompts",)}
    name = method.removeprefix("assistant.threads.")
    if name not in required:
        return {"ok": False, "error": "unknown_method"}
    for key in ("channel_id", "thread_ts", *required[name]):
        if params.get(key) in (None, ""):
            return {"ok": False, "error": "invalid_arguments", "detail": f"{key} is required"}
    prompts = params.get("prompts")
    if name == "setSuggestedPrompts" and not (
        isinstance(prompts, list)
        and 1 <= len(prompts) <= 4
        and all(isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts)
    ):
        return {"ok": False, "error": "invalid_arguments", "detail": "1 to 4 prompts, each with title and message"}
    return {"ok": True}


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return json.loads(raw.decode() or "{}")
    if content_type.startswith("multipart/form-data"):  # WebClient's `data=` calls (oauth.v2.access)
        message = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                params[str(name)] = (part.get_payload(decode=True) or b"").decode()
    else:
        params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for key in _JSON_PARAMS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(params[key])
    return params


def _token_of(params: dict[str, Any]) -> str | None:
    auth = params.get("_auth") or ""
    if auth.startswith("Bearer "):
        return auth[7:]
    token = params.get("token")
    return token if isinstance(token, str) and token else None


def _metadata(value: Any) -> dict[str, Any] | None:
    """Slack's message metadata: {"event_type": ..., "event_payload": {...}} (a JSON string or an object)."""
    if isinstance(value, str):
        value = json.loads(value) if value else None
    if not value:
        return None
    return {"event_type": value.get("event_type"), "event_payload": value.get("event_payload") or {}}


def _public(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
    """A message as the Web API shows it: no empty fields; metadata only when asked for."""
    shown = {k: v for k, v in message.items() if v is not None}
    if not with_metadata:
        shown.pop("metadata", None)
    return json.loads(json.dumps(shown))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _decimal(value: Any, default: Decimal | None) -> Decimal | None:
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def main(argv: list[str] | None = None) -> None:
    """Run the fake on its own (benchmarks put it in another process, as the real Slack would be)."""
    import argparse

    parser = argparse.ArgumentParser(description="a fake Slack Web API on 127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--tiers", action="store_true", help="enforce Slack's rate tiers")
    args = parser.parse_args(argv)
    fake = FakeSlack(latency=args.latency, tiers=RateTiers() if args.tiers else None).start()
    print(fake.api_url, flush=True)
    try:
        fake.thread.join()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
