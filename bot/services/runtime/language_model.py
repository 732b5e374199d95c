"""The optional language-model reader: asks an OpenAI-compatible server which topic a question is about.

Off unless LAB2PROD_LLM_URL and LAB2PROD_LLM_MODEL are set. Each request carries the topic list and the question
text, nothing else (no person, channel or workspace: Slack mentions, channels and links are cut from the text).
No answer waits for it longer than BUDGET_SECONDS: the SDK has that timeout and no retries, and the caller stops
waiting at the same deadline even if the server trickles bytes. Every way a request can fail leaves the local
reader's verdict in place and is counted in lab2prod_llm_requests_total{outcome}. Never called on an ack path:
DMs and mentions are read on the background pool, and /tutor acks first and answers through its response_url
(bot/services/asking/questions.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from bot import metrics
from bot.config import LlmSettings
from bot.tutor.model_vote import (
    AskWhen,
    Outcome,
    TopicLine,
    Vote,
    answered_from_conversation,
    combine,
    for_model,
    instructions,
    json_schema,
    parse_reply,
    should_ask,
)
from bot.tutor.reading import MAX_QUESTION_CHARS, LazyReaders, Match, Readers

log = logging.getLogger(__name__)
BUDGET_SECONDS = 2.0
WORKERS = 8  # requests in flight at once; more wait their turn, within the same budget


class LanguageModel:
    """One client, built at start, shared by every thread."""

    def __init__(self, settings: LlmSettings, topics: Sequence[TopicLine], budget: float = BUDGET_SECONDS) -> None:
        self.when = AskWhen(settings.ask)
        self.budget = budget
        self._model = settings.model
        self._ids = tuple(t.id for t in topics)
        self._system = instructions(topics)
        # Structured output where the server supports it: a JSON schema, else JSON mode, else a plain request.
        # A server that rejects one (a 400 or 422 naming response_format, json_schema or json_object) is asked the
        # next way at once, and from then on. Any other 4xx (a content filter, a context too long) is one failed
        # vote: it says nothing about what the server supports.
        self._formats: list[dict[str, Any]] = [
            {"response_format": {"type": "json_schema", "json_schema": json_schema(self._ids)}, "temperature": 0},
            {"response_format": {"type": "json_object"}, "temperature": 0},
            {},
        ]
        self._level = 0
        self._lock = threading.Lock()
        import openai  # here, not at the top: a third of a second that every process without a model skips

        self._client = openai.OpenAI(
            base_url=settings.url,
            api_key=settings.api_key or "unused",  # local servers (Ollama, vLLM) want none, the SDK wants one
            timeout=budget,
            max_retries=0,
        )
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="llm")

    def vote(self, question: str) -> Vote:
        """The model's pick for one question, within the budget; any failure is a Vote with its outcome."""
        deadline = time.monotonic() + self.budget
        future = self._pool.submit(self._ask, for_model(question), deadline)
        try:
            vote = future.result(timeout=self.budget)
        except FutureTimeout:
            future.cancel()  # still queued behind hung requests: never sent
            vote = Vote(Outcome.TIMEOUT)
        except Exception:  # _ask catches everything; this is only a guard
            log.exception("language model vote failed")
            vote = Vote(Outcome.ERROR)
        metrics.LLM_REQUESTS.labels(vote.outcome.value).inc()
        if not vote.ok:
            log.info("language model: %s; the local reader answers", vote.outcome.value)
        return vote

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def _ask(self, question: str, deadline: float) -> Vote:
        import openai

        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Vote(Outcome.TIMEOUT)
            level = self._level
            try:
                completion = self._client.chat.completions.create(
                    model=self._model,
                    messages=[
                        {"role": "system", "content": self._system},
                        {"role": "user", "content": question[:MAX_QUESTION_CHARS]},  # alone: never instructions
                    ],
                    timeout=remaining,
                    **self._formats[level],
                )
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if level + 1 < len(self._formats) and refuses_format(exc):
                    self._downgrade(level, exc)
                    continue
                return Vote(Outcome.HTTP_4XX)
            except Exception as exc:
                return Vote(failure(exc))
            choices = getattr(completion, "choices", None) or []
            text = choices[0].message.content if choices and choices[0].message else None
            return parse_reply(text, self._ids)

    def _downgrade(self, level: int, exc: Exception) -> None:
        with self._lock:
            if self._level == level:
                self._level = level + 1
                log.warning(
                    "the language model server refused %s (%s); asking without it from now on",
                    "a JSON schema" if level == 0 else "JSON mode",
                    getattr(exc, "status_code", "?"),
                )


FORMAT_WORDS = ("response_format", "json_schema", "json_object")


def refuses_format(exc: Exception) -> bool:
    """Whether a 4xx says the server does not support the structured output asked for (by its message)."""
    said = f"{getattr(exc, 'message', '')} {getattr(exc, 'body', '')}".lower()
    return any(word in said for word in FORMAT_WORDS)


def failure(exc: Exception) -> Outcome:
    """The outcome label for an exception from the SDK."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return Outcome.TIMEOUT
    if isinstance(exc, openai.RateLimitError):
        return Outcome.RATE_LIMITED
    if isinstance(exc, openai.APIStatusError):
        return Outcome.HTTP_5XX if exc.status_code >= 500 else Outcome.HTTP_4XX
    if isinstance(exc, openai.APIConnectionError):
        return Outcome.REFUSED if _refused(exc) else Outcome.ERROR
    log.warning("language model request failed: %s", exc.__class__.__name__)
    return Outcome.ERROR


def _refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):  # the SDK wraps the HTTP library's error, which wraps the socket's
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def read(
    matcher: Readers | LazyReaders, model: LanguageModel | None, text: str, followup: str | None = None
) -> tuple[Match, str]:
    """The verdict on a question, and which reader gave it ("local" or "model")."""
    return refine(model, matcher.match(text, followup), followup)


def wants_model(model: LanguageModel | None, local: Match) -> bool:
    """Whether the model is asked about this question (so it must be answered off the ack path)."""
    return model is not None and bool(for_model(local.question)) and should_ask(local, model.when)


def refine(model: LanguageModel | None, local: Match, followup: str | None = None) -> tuple[Match, str]:
    """The local verdict with the model's vote, when the model is asked about it (never about a follow-up the
    local reader answered from the conversation: the model would see the follow-up alone)."""
    if model is None or not wants_model(model, local) or answered_from_conversation(local, followup):
        return local, "local"
    final = combine(local, model.vote(local.question), followup)
    return final, "local" if final == local else "model"


__all__ = ["AskWhen", "LanguageModel", "read", "refine", "wants_model"]
