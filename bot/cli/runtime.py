"""What the commands share: the bank, the services' context, a Slack client, the workspace to report on."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bot.config import Settings
from content.loader import Bank, ContentError, load_bank

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.services.runtime.context import Context
    from bot.services.runtime.language_model import LanguageModel


def bank_or_exit() -> Bank:
    try:
        return load_bank(Settings.from_env().content_dir)
    except ContentError as exc:
        raise SystemExit("content errors:\n" + "\n".join(exc.problems)) from exc


def language_model_or_exit(bank: Bank) -> LanguageModel | None:
    """The language-model reader when LAB2PROD_LLM_URL and LAB2PROD_LLM_MODEL are set (the CLI has no ack to
    protect, so it asks the model directly)."""
    settings = Settings.from_env()
    if settings.llm_problem:
        raise SystemExit(f"set {settings.llm_problem}")
    if settings.llm is None:
        return None
    from bot.services.runtime.language_model import LanguageModel
    from bot.tutor.model_vote import topic_lines

    return LanguageModel(settings.llm, topic_lines(bank.topics.values()))


def context() -> Context:
    """The database at the newest schema, the validated bank, and Slack when SLACK_BOT_TOKEN is set."""
    # Imported here, not at the top: `lab2prod ask` and `topics` need no database and start twice as fast.
    from bot.services.operations import maintenance
    from bot.services.runtime.context import build_context
    from bot.services.slack.clients import SlackClients

    settings = Settings.from_env()
    maintenance.upgrade(settings.database_url)
    try:
        return build_context(
            settings.database_url,
            settings.content_dir,
            slack=SlackClients(settings.bot_token, settings.api_url),
            llm=settings.llm,
        )
    except ContentError as exc:
        raise SystemExit("content errors:\n" + "\n".join(exc.problems)) from exc


def slack_or_exit(ctx: Context) -> WebClient:
    if ctx.slack.default is None:
        raise SystemExit("set SLACK_BOT_TOKEN (and SLACK_API_URL for a test server) to talk to Slack")
    return ctx.slack.default


def workspace(ctx: Context, given: str | None) -> str:
    """The workspace to report on: --workspace, else the bot token's own, else the only one in the database."""
    if given:
        return given
    from slack_sdk.errors import SlackApiError

    from bot.services.quiz.channels import list_channels
    from bot.services.slack.clients import slack_error

    client = ctx.slack.default
    if client is not None:
        try:
            return str(client.auth_test()["team_id"])
        except SlackApiError as exc:
            raise SystemExit(f"Slack refused the token: {slack_error(exc)}") from exc
    workspaces = {c.workspace_id for c in list_channels(ctx)}
    if len(workspaces) == 1:
        return workspaces.pop()
    raise SystemExit("name the workspace with --workspace T0123 (or set SLACK_BOT_TOKEN)")


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code
