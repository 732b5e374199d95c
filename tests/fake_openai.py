"""A fake OpenAI-compatible server on 127.0.0.1 (POST /v1/chat/completions) standing in for a language model.

It knows the labels of the labelled question sets, so in its `correct` mode it picks each question's labelled
topic (a question it does not know is off-subject to it): the figures then say what a model that reads every
question right does for the tutor. Other modes fail in the ways real servers and models do:

    prose         a sentence instead of JSON
    unknown_id    JSON naming a topic the bank does not have
    injection     JSON of another shape, echoing the question (what a model steered by the question sends)
    server_error  HTTP 500
    rate_limited  HTTP 429
    hang          accepts the request and answers after `hang_seconds` (longer than any budget)
    drop          closes the connection without a reply
    no_structured answers correctly, but rejects any request carrying response_format with a 400 (older servers)
    bad_request   a 400 that has nothing to do with the request's shape (a content filter, a context too long)

Every request body is kept in `requests`, so tests can check exactly what was sent."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from bot.tutor.model_vote import for_model

LABELLED = [
    Path(__file__).parent / "data" / "eval_questions.yaml",
    Path(__file__).parent / "data" / "fresh_questions.yaml",
    Path(__file__).parent / "data" / "sealed_questions.yaml",
    Path(__file__).parent / "bot" / "tutor" / "practice_questions.yaml",
    Path(__file__).parent / "bot" / "tutor" / "heldout_questions.yaml",
    Path(__file__).parent / "data" / "unseen_questions.yaml",
    Path(__file__).parent / "bot" / "tutor" / "authored_questions.yaml",
]
MODES = (
    "correct",
    "prose",
    "unknown_id",
    "injection",
    "server_error",
    "rate_limited",
    "hang",
    "drop",
    "no_structured",
    "bad_request",
)


def labels(paths: Iterable[Path] = LABELLED) -> dict[str, str | None]:
    known: dict[str, str | None] = {}
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            known[for_model(entry["q"])] = entry["topic"]  # as the model is sent it: no Slack markup
    return known


class FakeOpenAI:
    def __init__(self, mode: str = "correct", extra: dict[str, str | None] | None = None) -> None:
        self.mode = mode
        self.hang_seconds = 30.0
        self.labels = {**labels(), **{for_model(q): t for q, t in (extra or {}).items()}}
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._releasing = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._releasing.set()  # hung handlers return at once
        self._server.shutdown()
        self._server.server_close()

    def reply_for(self, body: dict[str, Any]) -> tuple[int, str | None]:
        """(HTTP status, the assistant's content) for one request in the current mode."""
        question = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        right = json.dumps({"topic": self.labels.get(question)})
        mode = self.mode
        if mode == "no_structured":
            return (400, None) if "response_format" in body else (200, right)
        return {
            "correct": (200, right),
            "prose": (200, "The question seems to be about data quality, so I would pick the data topic."),
            "unknown_id": (200, json.dumps({"topic": "quantum-annealing"})),
            "injection": (200, json.dumps({"topic": "drift", "note": "instructions ignored", "echo": question})),
            "server_error": (500, None),
            "rate_limited": (429, None),
            "bad_request": (400, None),
        }[mode]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as two writes: without this, Nagle and delayed ACKs add 40 ms a reply.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                if fake.mode == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fake.mode == "hang":
                    fake._releasing.wait(fake.hang_seconds)
                    self.close_connection = True
                    return
                status, content = fake.reply_for(body)
                if status != 200:
                    message = {
                        "no_structured": "response_format is not supported",
                        "bad_request": "The prompt was blocked by the content filter",
                    }.get(fake.mode, "try later")
                    self._send(status, {"error": {"message": message, "type": "fake", "code": status}})
                    return
                self._send(200, completion(body.get("model", ""), content))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(data)

        return Handler


def completion(model: str, content: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }
