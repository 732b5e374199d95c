"""The app in many workspaces: Slack's OAuth v2 installations, their tokens (rotated before they expire), and
each workspace's lifecycle (installed, uninstalled) that the retention purge reads.

Installations and OAuth states live in our database in slack_sdk's own SQLAlchemy stores (their tables are
created by our Alembic migrations, not by the stores). With SLACK_BOT_TOKEN instead, there is one workspace
and none of this is used."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.services.slack.clients import make_web_client
from storage.db import transaction
from storage.repos import workspaces

log = logging.getLogger(__name__)
STATE_EXPIRATION_SECONDS = 600
ROTATE_MINUTES_BEFORE_EXPIRY = 120  # Bolt's default: a token closer than this to expiring is renewed first
BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "assistant:write",  # the split view: its threads' status, title and suggested prompts
)


class RecordingInstallationStore(InstallationStore):
    """slack_sdk's SQLAlchemy store, plus a record of when each workspace installed (and uninstalled) the app."""

    def __init__(self, store: SQLAlchemyInstallationStore, sessions: sessionmaker[Session], clock: Any) -> None:
        self.store = store
        self._sessions = sessions
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        self.store.save(installation)
        # An org-wide install has no workspace: its workspaces are recorded as their requests arrive.
        if installation.team_id:
            with transaction(self._sessions) as session:
                workspaces.record_install(session, installation.team_id, installation.enterprise_id, self._clock())

    def save_bot(self, bot: Bot) -> None:
        self.store.save_bot(bot)

    def find_bot(self, **kwargs: Any) -> Bot | None:
        return self.store.find_bot(**kwargs)

    def find_installation(self, **kwargs: Any) -> Installation | None:
        return self.store.find_installation(**kwargs)

    def delete_bot(self, **kwargs: Any) -> None:
        self.store.delete_bot(**kwargs)

    def delete_installation(self, **kwargs: Any) -> None:
        self.store.delete_installation(**kwargs)

    def delete_all(self, **kwargs: Any) -> None:
        self.store.delete_all(**kwargs)


class Installations:
    """Tokens of the workspaces that installed the app (slack_sdk's stores in our database), renewed as needed."""

    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        client_id: str,
        client_secret: str,
        api_url: str | None,
        clock: Any,
    ) -> None:
        self.client_id, self.client_secret, self.api_url = client_id, client_secret, api_url
        self.store = RecordingInstallationStore(
            SQLAlchemyInstallationStore(client_id=client_id, engine=engine), sessions, clock
        )
        self.state_store = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine)
        self._rotator = TokenRotator(
            client_id=client_id, client_secret=client_secret, client=make_web_client(None, api_url)
        )
        self._sessions, self._clock = sessions, clock
        self._enterprises: dict[str, str] = {}  # workspace -> its Enterprise Grid org

    def bot_token(self, workspace_id: str, enterprise_id: str | None = None) -> str | None:
        """The workspace's bot token, renewed first when it is about to expire; None when not installed.

        `enterprise_id` comes with a request from an Enterprise Grid workspace; work the app starts itself
        (the daily quiz) finds the org from the workspace's record, learned at install or first request."""
        enterprise = enterprise_id or self._enterprise_of(workspace_id)
        bot = self.store.find_bot(enterprise_id=enterprise, team_id=workspace_id)
        if bot is None and enterprise:
            # an org-wide install is stored under the org, not under each of its workspaces
            bot = self.store.find_bot(enterprise_id=enterprise, team_id=None, is_enterprise_install=True)
            if bot is not None and enterprise_id and workspace_id not in self._enterprises:
                self._note_enterprise(workspace_id, enterprise_id)
        if bot is None:
            return None
        renewed = self._rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
        )
        if renewed is not None:
            self.store.save_bot(renewed)
            bot = renewed
        return bot.bot_token

    def _enterprise_of(self, workspace_id: str) -> str | None:
        # Only an org found is kept: a workspace not (yet) known may be installed by another process any time.
        enterprise = self._enterprises.get(workspace_id)
        if enterprise is None:
            with transaction(self._sessions) as session:
                enterprise = workspaces.enterprise_of(session, workspace_id)
            if enterprise:
                self._enterprises[workspace_id] = enterprise
        return enterprise

    def _note_enterprise(self, workspace_id: str, enterprise_id: str) -> None:
        with transaction(self._sessions) as session:
            workspaces.record_seen(session, workspace_id, enterprise_id, self._clock())
        self._enterprises[workspace_id] = enterprise_id

    def uninstalled(self, workspace_id: str, enterprise_id: str | None) -> None:
        """The workspace's tokens go at once (its data waits for the purge)."""
        self.store.delete_all(enterprise_id=enterprise_id, team_id=workspace_id)
        self._enterprises.pop(workspace_id, None)

    def bot_tokens_revoked(self, workspace_id: str, enterprise_id: str | None) -> None:
        self.store.delete_bot(enterprise_id=enterprise_id, team_id=workspace_id)
