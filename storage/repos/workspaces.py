"""Which workspaces installed the app, and when they left: the retention purge of uninstalled workspaces reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Workspace
from storage.repos import upsert_insert


def record_install(session: Session, workspace_id: str, enterprise_id: str | None, at: datetime) -> None:
    """Installed (again): a reinstall clears an earlier uninstall, so the purge leaves the workspace alone."""
    session.execute(
        upsert_insert(session, Workspace)
        .values(workspace_id=workspace_id, enterprise_id=enterprise_id, installed_at=at, uninstalled_at=None)
        .on_conflict_do_update(
            index_elements=["workspace_id"],
            set_={"enterprise_id": enterprise_id, "installed_at": at, "uninstalled_at": None},
        )
    )


def record_seen(session: Session, workspace_id: str, enterprise_id: str, at: datetime) -> None:
    """A workspace of an org-wide (Enterprise Grid) install, first seen in a request: remember its org."""
    session.execute(
        upsert_insert(session, Workspace)
        .values(workspace_id=workspace_id, enterprise_id=enterprise_id, installed_at=at)
        .on_conflict_do_update(index_elements=["workspace_id"], set_={"enterprise_id": enterprise_id})
    )


def record_uninstall(session: Session, workspace_id: str, enterprise_id: str | None, at: datetime) -> None:
    session.execute(
        upsert_insert(session, Workspace)
        .values(workspace_id=workspace_id, enterprise_id=enterprise_id, installed_at=at, uninstalled_at=at)
        .on_conflict_do_update(index_elements=["workspace_id"], set_={"uninstalled_at": at})
    )


def enterprise_of(session: Session, workspace_id: str) -> str | None:
    return session.scalar(select(Workspace.enterprise_id).where(Workspace.workspace_id == workspace_id))
