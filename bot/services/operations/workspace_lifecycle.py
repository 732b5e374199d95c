"""Each workspace's life with the app: serving every workspace that installs it, and what happens when one
uninstalls it or revokes its token. Built on the Context, which the Slack parts never import."""

from __future__ import annotations

import logging

from bot.services.runtime.context import Context
from bot.services.slack.clients import SlackClients
from bot.services.slack.installations import Installations
from storage.db import transaction
from storage.repos import workspaces

log = logging.getLogger(__name__)


def connect(ctx: Context, client_id: str, client_secret: str, api_url: str | None) -> Installations:
    """Serve every workspace that installs the app: Slack clients come from the installation store."""
    installations = Installations(ctx.sessions.kw["bind"], ctx.sessions, client_id, client_secret, api_url, ctx.clock)
    ctx.slack = SlackClients(None, api_url, installations=installations)
    return installations


def app_uninstalled(ctx: Context, workspace_id: str, enterprise_id: str | None) -> None:
    """app_uninstalled: forget the workspace's tokens now; note when it left, so that
    `lab2prod purge --uninstalled-before DAYS` can remove its data after the retention period."""
    installations = _installations(ctx)
    if installations is not None:
        installations.uninstalled(workspace_id, enterprise_id)
    with transaction(ctx.sessions) as session:
        workspaces.record_uninstall(session, workspace_id, enterprise_id, ctx.clock())
    log.info("workspace %s uninstalled the app%s", workspace_id, ": its tokens are deleted" if installations else "")


def tokens_revoked(ctx: Context, workspace_id: str, enterprise_id: str | None, bot_revoked: bool) -> None:
    """tokens_revoked: a revoked bot token is deleted at once (the workspace may install again later)."""
    installations = _installations(ctx)
    if installations is not None and bot_revoked:
        installations.bot_tokens_revoked(workspace_id, enterprise_id)
        log.info("workspace %s revoked the bot token: deleted", workspace_id)


def _installations(ctx: Context) -> Installations | None:
    found = ctx.slack.installations
    return found if isinstance(found, Installations) else None
