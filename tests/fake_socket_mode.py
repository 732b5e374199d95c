"""A local stand-in for Slack's Socket Mode: a real websocket server on 127.0.0.1.

    socket_mode = FakeSocketMode().start()
    fake_slack.socket_mode = socket_mode          # apps.connections.open now answers socket_mode.new_url()
    ... start a SocketModeClient / Bolt SocketModeHandler with WebClient(base_url=fake_slack.api_url) ...
    socket_mode.wait_connections(1)
    envelope_id = socket_mode.send_command("quiz")  # or send(...), send_event(...), send_interactive(...)
    ack = socket_mode.wait_ack(envelope_id)        # {"envelope_id": ..., "payload": {...}} as the app sent it
    socket_mode.disconnect()                       # like Slack's refresh: the client reconnects
    socket_mode.stop()

Like Slack, the server greets every connection with {"type": "hello", ...} before anything else, and a
"disconnect" message comes before the server closes the socket. The server runs its own asyncio loop in a
daemon thread; every public method is called from the test's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
import time
import uuid
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.slack_requests import click

__all__ = ["FakeSocketMode", "app_mention", "click", "event_callback", "slash_command"]

_log = logging.getLogger("tests.fake_socket_mode")


class FakeSocketMode:
    def __init__(self, app_id: str = "A1", *, host: str = "127.0.0.1") -> None:
        self.app_id = app_id
        self.host = host
        self.port = 0
        self.received: list[Any] = []  # every message from a client (parsed JSON, or the raw text)
        self.acks: list[dict[str, Any]] = []  # the messages that carried an envelope_id
        self.paths: list[str] = []  # the request path of each connection (/link/?ticket=...)
        self.connections = 0  # connections greeted so far: 2 after one reconnect
        self._open: list[ServerConnection] = []  # oldest first; the newest is "the current connection"
        self._cond = threading.Condition()
        self._tickets = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop

            async def listen() -> Server:
                # close_timeout: a client that never answers the closing handshake (the built-in one just drops
                # its socket) must not keep stop() waiting for the default 10 s.
                return await serve(self._serve, self.host, 0, close_timeout=0.2, logger=_log)

            try:
                self._server = loop.run_until_complete(listen())
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # surfaced by start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-socket-mode", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or not loop.is_running():
            return

        async def shut() -> None:
            server.close(close_connections=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shut(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeSocketMode:
        return self.start() if self._loop is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- what apps.connections.open hands out ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """A websocket URL of this server, shaped like Slack's (wss://wss-primary.slack.com/link/?ticket=...)."""
        return self.new_url()

    def new_url(self) -> str:
        return f"ws://{self.host}:{self.port}/link/?ticket={next(self._tickets)}&app_id={self.app_id}"

    # -- server side ----------------------------------------------------------------------------------------------

    async def _serve(self, ws: ServerConnection) -> None:
        with self._cond:
            count = len(self._open) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await ws.send(json.dumps(hello))
        except ConnectionClosed:
            return
        with self._cond:
            self.connections += 1
            self._open.append(ws)
            self.paths.append(ws.request.path if ws.request else "")
            self._cond.notify_all()
        try:
            async for text in ws:
                self._on_message(text if isinstance(text, str) else text.decode())
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if ws in self._open:
                    self._open.remove(ws)
                self._cond.notify_all()

    def _on_message(self, text: str) -> None:
        try:
            message: Any = json.loads(text)
        except json.JSONDecodeError:
            message = text
        with self._cond:
            self.received.append(message)
            if isinstance(message, dict) and "envelope_id" in message:
                self.acks.append(message)
            self._cond.notify_all()

    def _run(self, coro: Any, timeout: float) -> Any:
        if self._loop is None:
            raise RuntimeError("FakeSocketMode is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _current(self, timeout: float) -> ServerConnection:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no Socket Mode client is connected")
                self._cond.wait(left)
            return self._open[-1]

    # -- test controls --------------------------------------------------------------------------------------------

    @property
    def open_connections(self) -> int:
        with self._cond:
            return len(self._open)

    def wait_connections(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until `count` connections have been greeted in all and one of them is open."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connections < count or not self._open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} connection(s); saw {self.connections}")
                self._cond.wait(left)

    def send_raw(self, message: dict[str, Any] | str, timeout: float = 5.0) -> None:
        """Send one text frame to the current (newest open) connection."""
        ws = self._current(timeout)
        text = message if isinstance(message, str) else json.dumps(message)
        self._run(ws.send(text), timeout)

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
    ) -> str:
        """Send a Slack-shaped envelope (events_api, slash_commands, interactive); returns its envelope_id.

        accepts_response_payload defaults to what Slack sends: false for events_api, true otherwise.
        """
        envelope_id = envelope_id or str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type != "events_api"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self.send_raw(envelope)
        return envelope_id

    def send_event(self, event: dict[str, Any], *, event_id: str | None = None, team: str = "T1", **kw: Any) -> str:
        return self.send("events_api", event_callback(event, event_id=event_id, team=team, app_id=self.app_id), **kw)

    def send_command(self, text: str, **kw: Any) -> str:
        envelope_kw = {k: kw.pop(k) for k in ("envelope_id",) if k in kw}
        return self.send("slash_commands", slash_command(text, **kw), **envelope_kw)

    def send_interactive(self, payload: dict[str, Any], **kw: Any) -> str:
        return self.send("interactive", payload, **kw)

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The ack the app sent for `envelope_id`: {"envelope_id": ..., "payload": ...} (payload only if any)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id}; received {self.received}")
                self._cond.wait(left)

    def disconnect(self, reason: str = "refresh_requested", *, close_after: float = 1.0) -> None:
        """Like Slack: a {"type": "disconnect"} message on the current connection, then, `close_after` seconds
        later, the socket is closed if the client has not moved to a new connection and closed it itself."""
        ws = self._current(5.0)
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "applink-fake-1"},
            "connection_info": {"app_id": self.app_id},
        }
        self._run(ws.send(json.dumps(message)), 5.0)
        assert self._loop is not None
        self._loop.call_soon_threadsafe(
            self._loop.call_later, close_after, lambda: asyncio.ensure_future(ws.close(1000, reason))
        )

    def drop(self) -> None:
        """Cut the current connection without a close frame, as a network failure does."""
        ws = self._current(5.0)
        assert self._loop is not None
        self._loop.call_soon_threadsafe(ws.transport.abort)


# -- Slack-shaped payloads (the same shapes tests/slack_requests.py sends over HTTP) -------------------------------


def event_callback(
    event: dict[str, Any], *, event_id: str | None = None, team: str = "T1", app_id: str = "A1"
) -> dict[str, Any]:
    return {
        "token": "x",
        "team_id": team,
        "api_app_id": app_id,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    }


def app_mention(text: str, *, user: str = "U1", channel: str = "C1", ts: str | None = None) -> dict[str, Any]:
    ts = ts or f"{time.time():.6f}"
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def slash_command(
    text: str,
    *,
    user: str = "U1",
    channel: str = "C1",
    team: str = "T1",
    response_url: str = "http://127.0.0.1:9/none",
    command: str = "/tutor",
) -> dict[str, Any]:
    return {
        "token": "x",
        "team_id": team,
        "channel_id": channel,
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "response_url": response_url,
        "trigger_id": "t1",
    }
