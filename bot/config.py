"""Settings from the environment (names fixed by DESIGN.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///lab2prod.db"  # a file in the working directory
LLM_ASK_CHOICES = ("always", "unsure")


@dataclass(frozen=True)
class LlmSettings:
    """The optional language-model reader (README, "A language model as a second reader")."""

    url: str  # LAB2PROD_LLM_URL: an OpenAI-compatible base URL, e.g. http://localhost:11434/v1
    model: str  # LAB2PROD_LLM_MODEL
    api_key: str | None = None  # LAB2PROD_LLM_API_KEY, when the server wants one
    ask: str = "always"  # LAB2PROD_LLM_ASK: always | unsure (only when the local reader is unsure)


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_url: str | None
    database_url: str
    content_dir: str | None = None  # LAB2PROD_CONTENT: another folder of topics.yaml and quiz.yaml
    tick_seconds: float = 30.0  # LAB2PROD_TICK_SECONDS: how often the in-process scheduler looks for work
    client_id: str | None = None  # SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: installable in many workspaces
    client_secret: str | None = None
    scopes: tuple[str, ...] = ()  # SLACK_SCOPES, comma-separated: the bot scopes an install asks for
    llm: LlmSettings | None = None  # set only when LAB2PROD_LLM_URL and LAB2PROD_LLM_MODEL both are
    llm_problem: str | None = None  # a half-set or mistyped language-model setting: serve and ask refuse it

    @classmethod
    def from_env(cls) -> Settings:
        def get(name: str) -> str | None:
            return (os.environ.get(name) or "").strip() or None  # a value of only spaces is no value

        llm, llm_problem = _llm(get)
        return cls(
            bot_token=get("SLACK_BOT_TOKEN"),
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=get("SLACK_APP_TOKEN"),
            api_url=get("SLACK_API_URL"),
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            content_dir=get("LAB2PROD_CONTENT"),
            tick_seconds=float(get("LAB2PROD_TICK_SECONDS") or 30),
            client_id=get("SLACK_CLIENT_ID"),
            client_secret=get("SLACK_CLIENT_SECRET"),
            scopes=tuple(s.strip() for s in (get("SLACK_SCOPES") or "").split(",") if s.strip()),
            llm=llm,
            llm_problem=llm_problem,
        )

    @property
    def oauth(self) -> bool:
        """Installable in many workspaces (Slack's OAuth v2). SLACK_BOT_TOKEN, when set, means one workspace."""
        return bool(self.client_id and self.client_secret) and not self.bot_token

    def socket_mode(self, force_http: bool = False) -> bool:
        return bool(self.app_token) and not force_http

    def missing_for_serve(self, force_http: bool = False) -> list[str]:
        missing = (
            []
            if self.bot_token or self.oauth
            else ["SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installable in many)"]
        )
        if self.oauth and self.socket_mode(force_http):
            missing.append("serve --http: installing through OAuth needs the HTTP install and redirect pages")
        # Over HTTP the signing secret is the only thing that tells Slack's requests from anyone else's.
        if not self.socket_mode(force_http) and not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET (required for HTTP; or SLACK_APP_TOKEN for Socket Mode)")
        if self.llm_problem:
            missing.append(self.llm_problem)
        return missing


def _llm(get: Callable[[str], str | None]) -> tuple[LlmSettings | None, str | None]:
    """The language-model settings, or why they cannot be used. Neither URL nor model set: off, no problem."""
    url, model, ask = get("LAB2PROD_LLM_URL"), get("LAB2PROD_LLM_MODEL"), (get("LAB2PROD_LLM_ASK") or "always")
    if not (url or model):
        return None, None
    if not (url and model):
        return None, "both LAB2PROD_LLM_URL and LAB2PROD_LLM_MODEL (a language model needs both)"
    if ask.lower() not in LLM_ASK_CHOICES:
        return None, f"LAB2PROD_LLM_ASK as one of {', '.join(LLM_ASK_CHOICES)} (not {ask!r})"
    return LlmSettings(url, model, get("LAB2PROD_LLM_API_KEY"), ask.lower()), None
