"""Finds the project the way ruff and pytest find their config: walk up to ``[tool.migration-guard]``.

Standard library only (and tomllib only to confirm a candidate): the hook's fast path uses it too.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the hook's fast path)
if TYPE_CHECKING:
    from collections.abc import Callable


def discover_project(start: str, holds_table: Callable[[str], bool] | None = None) -> str:
    """The first folder from ``start`` upwards whose pyproject.toml has a ``[tool.migration-guard]``
    table, never above the git work tree holding ``start``; without one, that work tree's root
    (outside git: ``start`` itself)."""
    holds_table = holds_table or has_table
    folder = os.path.realpath(start)
    while True:
        if holds_table(os.path.join(folder, "pyproject.toml")):
            return folder
        if os.path.exists(os.path.join(folder, ".git")):
            return folder  # the repository root: nothing above it belongs to this repository
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.realpath(start)
        folder = parent


def mentions_table(pyproject: str) -> bool:
    """A cheap first look: could ``pyproject`` hold our table at all? One that exists but
    cannot be read within bounds (``-> /dev/zero``, too big) counts as holding it, so loading
    it refuses it in one line instead of the walk skipping it."""
    if not os.path.exists(pyproject):
        return False
    try:
        return b"migration-guard" in _read(pyproject)
    except Exception:  # GuardError, without importing errors on the fast path
        return True


def _read(pyproject: str) -> bytes:
    from migration_guard.config.bounded_read import read_bytes

    return read_bytes(pyproject, "pyproject.toml")


def has_table(pyproject: str) -> bool:
    """``pyproject`` parses and has a ``[tool.migration-guard]`` table; one that cannot be read
    counts as having it, so loading it reports the problem instead of skipping it silently."""
    if not mentions_table(pyproject):
        return False
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        document = tomllib.loads(_read(pyproject).decode("utf-8"))
    except Exception:  # unreadable, not UTF-8, not TOML: the full load reports it
        return True
    tool = document.get("tool")
    if tool is None:
        return False
    return not isinstance(tool, dict) or "migration-guard" in tool
