"""One report per check in a pre-commit run.

With gen-migration, migration-lint and migration-heads all configured, the graph check and the
lint of the staged revisions would each be printed by two hooks. Under pre-commit
(``PRE_COMMIT=1``) the first hook to run a check of the staged tree leaves a mark; a later hook
of the same run finds it and says so in one line instead of printing every finding again. The
hooks of one run share their parent (the pre-commit process) and the index, so the mark is
(parent, staged tree, check), kept in the git directory. A hook run alone
(``pre-commit run migration-lint``), or outside pre-commit, finds no mark and does the whole check.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

MARK_FOLDER = "migration-guard-reported"
MAX_AGE_SECONDS = 3600


def already_reported(where: Path, check: str) -> str | None:
    """Who reported ``check`` (``"heads"`` or ``"lint"``) of the staged tree in this run."""
    mark = _mark(where, check)
    if mark is None:
        return None
    try:
        if time.time() - mark.stat().st_mtime > MAX_AGE_SECONDS:
            return None
        return mark.read_text(encoding="utf-8").strip() or "an earlier hook"
    except OSError:
        return None


def record_reported(where: Path, check: str, by: str) -> None:
    """Leave the mark for the hooks after this one (old marks are removed on the way)."""
    mark = _mark(where, check)
    if mark is None:
        return
    with contextlib.suppress(OSError):
        mark.parent.mkdir(exist_ok=True)
        for old in mark.parent.iterdir():
            if time.time() - old.stat().st_mtime > MAX_AGE_SECONDS:
                old.unlink()
        mark.write_text(by, encoding="utf-8")


def skipped_line(check: str, by: str) -> str:
    what = "the graph check" if check == "heads" else "the lint of the staged revisions"
    return f"migration-guard: {what} was reported above by `{by}` in this pre-commit run"


def _mark(where: Path, check: str) -> Path | None:
    if os.environ.get("PRE_COMMIT") != "1":
        return None
    folder = _git(where, "rev-parse", "--path-format=absolute", "--git-path", MARK_FOLDER)
    tree = _git(where, "write-tree")
    if folder is None or tree is None:
        return None
    return Path(folder) / f"{os.getppid()}-{tree}-{check}"


def _git(where: Path, *arguments: str) -> str | None:
    from migration_guard.errors import GuardError
    from migration_guard.git.repo import git_line

    try:
        return git_line(where, *arguments)
    except GuardError:
        return None
