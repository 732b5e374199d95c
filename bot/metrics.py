"""Prometheus metrics, served at GET /metrics (prometheus-client's default registry: one per process).

Labels are small fixed sets (surfaces, outcomes, Web API method names, Slack's error codes): never a person, a
channel or a workspace, so the page carries no personal data and its size stays bounded. The README lists every
metric and the alerts worth setting on them."""

from __future__ import annotations

import re

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter(
    "lab2prod_requests",
    "Requests from Slack (HTTP and Socket Mode) by surface and outcome",
    ["surface", "outcome"],
)
ACK_SECONDS = Histogram(
    "lab2prod_ack_seconds",
    "Time from receiving a Slack request to its acknowledgement (Slack gives up at 3 s)",
    ["surface"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
SLACK_CALLS = Counter(
    "lab2prod_slack_calls",
    "Attempts at Slack's Web API and response_urls, by method and result (ok, ratelimited, a Slack error code, "
    "http_<status>, or the network error's class); a retried call counts once per attempt",
    ["method", "result"],
)
QUIZ_POSTS = Counter("lab2prod_quiz_posts", "Daily quiz sends by result", ["result"])
ANSWERS = Counter("lab2prod_answers", "Clicks on daily quiz questions by result", ["result"])
SCHEDULER_LAG = Gauge("lab2prod_scheduler_lag_seconds", "Seconds since the scheduler last finished a tick")
WRITE_BATCH = Histogram(
    "lab2prod_write_batch_size",
    "Answers committed together in one transaction by the writer thread",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
LLM_REQUESTS = Counter(
    "lab2prod_llm_requests",
    "Questions put to the optional language model, by outcome (ok, or why the local reader answered instead: "
    "unknown_id, not_json, injection, http_4xx, http_5xx, rate_limited, timeout, refused, error)",
    ["outcome"],
)
BACKGROUND_PENDING = Gauge("lab2prod_background_pending", "Slack calls owed (feedback, replies, updates) not yet made")

_SLACK_WORD = re.compile(r"[A-Za-z0-9_.]{1,48}")


def label(value: object, fallback: str = "other") -> str:
    """A label value from outside (a Slack error code, a method name) only when it looks like one."""
    text = str(value or "")
    return text if _SLACK_WORD.fullmatch(text) else fallback


def slack_call(method: str, result: str) -> None:
    SLACK_CALLS.labels(label(method), label(result)).inc()


def exposition() -> tuple[bytes, str]:
    """The page Prometheus scrapes, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
