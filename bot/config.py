"""Settings from the environment (names fixed by DESIGN.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///lab2prod.db"  # a file in the working directory


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_url: str | None
    database_url: str
    content_dir: str | None = None  # LAB2PROD_CONTENT: another folder of topics.yaml and quiz.yaml
    tick_seconds: float = 30.0  # LAB2PROD_TICK_SECONDS: how often the in-process scheduler looks for work

    @classmethod
    def from_env(cls) -> Settings:
        def get(name: str) -> str | None:
            return (os.environ.get(name) or "").strip() or None  # a value of only spaces is no value

        return cls(
            bot_token=get("SLACK_BOT_TOKEN"),
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=get("SLACK_APP_TOKEN"),
            api_url=get("SLACK_API_URL"),
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            content_dir=get("LAB2PROD_CONTENT"),
            tick_seconds=float(get("LAB2PROD_TICK_SECONDS") or 30),
        )

    def socket_mode(self, force_http: bool = False) -> bool:
        return bool(self.app_token) and not force_http

    def missing_for_serve(self, force_http: bool = False) -> list[str]:
        missing = [] if self.bot_token else ["SLACK_BOT_TOKEN"]
        # Over HTTP the signing secret is the only thing that tells Slack's requests from anyone else's.
        if not self.socket_mode(force_http) and not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET (required for HTTP; or SLACK_APP_TOKEN for Socket Mode)")
        return missing
