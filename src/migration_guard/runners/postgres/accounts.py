"""Who the server runs as: ourselves, or ``nobody`` when we are root (``initdb`` refuses root)."""

from __future__ import annotations

import os
import pwd
import tempfile
from pathlib import Path
from typing import Any

from migration_guard.errors import EnvironmentProblem

UNPRIVILEGED_USER = "nobody"
"""``initdb`` refuses to run as root; as root the server runs as this user instead."""


def server_account() -> pwd.struct_passwd | None:
    """The account to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise EnvironmentProblem(
            f"running as root and there is no `{UNPRIVILEGED_USER}` user to run PostgreSQL as"
        ) from None


def as_whom(account: pwd.struct_passwd | None) -> str:
    """`` as user nobody`` for messages, or nothing when the server runs as ourselves."""
    return "" if account is None else f" as user {account.pw_name}"


def as_account(account: pwd.struct_passwd | None) -> dict[str, Any]:
    """The ``subprocess`` arguments that run a program as ``account``."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def temp_parent(account: pwd.struct_passwd | None) -> str | None:
    """Where to make the server's folder: the usual temp dir, unless the server's
    unprivileged user could not reach it (a private TMPDIR); then /tmp."""
    if account is None:
        return None
    usual = Path(tempfile.gettempdir()).resolve()
    if all(os.stat(folder).st_mode & 0o001 for folder in (usual, *usual.parents)):
        return None
    return "/tmp"
