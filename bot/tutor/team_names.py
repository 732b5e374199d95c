"""Team name rules. Pure."""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,28}[A-Za-z0-9]|[A-Za-z0-9]{1,2}")
MIN_LEN, MAX_LEN = 2, 30


class TeamNameError(ValueError):
    pass


def clean_team_name(raw: str) -> str:
    """Collapse spaces and check a team name: 2-30 letters, digits, spaces, '-', '_' or '.'."""
    name = " ".join(raw.split())
    if not MIN_LEN <= len(name) <= MAX_LEN:
        raise TeamNameError(f"a team name has {MIN_LEN} to {MAX_LEN} characters (that one has {len(name)})")
    if not NAME.fullmatch(name):
        raise TeamNameError(
            "a team name uses letters, digits, spaces, '-', '_' or '.', and starts and ends with a letter or digit"
        )
    return name
