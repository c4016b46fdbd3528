"""``install-hook [--stage STAGE] [--force]``: a plain git hook calling the installed tool.

Only inside this repository (``githooks.hook_place`` refuses a global ``core.hooksPath`` and a
folder outside it), and nothing of the user's lost: a foreign hook is kept aside (``--force``),
our hook with the user's own lines is kept as ``STAGE.bak`` before it is written afresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError
from migration_guard.hook.git_hooks import (
    BACKUP_SUFFIX,
    EDITED_SUFFIX,
    HookPlace,
    free_backup,
    has_edits,
    hook_place,
    hook_script,
    is_ours,
    project_from_top,
)


def run(invocation: Invocation) -> int:
    stage: str = invocation.arguments.stage
    place = hook_place(invocation.project)
    path = place.path(stage)
    script = hook_script(stage, project_from_top(place, invocation.project))
    shown = place.shown(path)
    backup: Path | None = None
    if path.is_symlink() or (path.exists() and not is_ours(path)):
        kept_as = place.shown(path.with_name(path.name + BACKUP_SUFFIX))
        if not invocation.arguments.force:
            raise InputError(
                f"{shown}: a hook that is not migration-guard's is already there; "
                f"run `migration-guard install-hook --stage {stage} --force` to replace it "
                f"(it is kept as {kept_as})"
            )
        backup = free_backup(path, BACKUP_SUFFIX)
        action = "replaced"
    elif path.exists():
        current = path.read_text(encoding="utf-8", errors="surrogateescape")
        action = "unchanged" if current == script else "updated"
        if action == "updated" and has_edits(current):
            backup = free_backup(path, EDITED_SUFFIX)
            action = "updated-edited"
    else:
        action = "installed"
    if action != "unchanged":
        _write(place, path, script, backup)
    if invocation.format == "json":
        document = {"hook": shown, "stage": stage, "action": action.partition("-")[0]}
        if backup is not None:
            document["backup"] = place.shown(backup)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return exit_codes.OK
    kept = place.shown(backup) if backup is not None else ""
    messages = {
        "installed": f"installed {shown}",
        "updated": f"updated {shown}",
        "updated-edited": (
            f"updated {shown}; it had edits that are not ours: kept as {kept} "
            "(copy what you need into the new hook, or call it from there)"
        ),
        "unchanged": f"{shown} is already installed; nothing changed",
        "replaced": f"installed {shown}; the hook that was there is kept as {kept}",
    }
    sys.stdout.write(f"{messages[action]} (runs {sys.executable} -m migration_guard)\n")
    return exit_codes.OK


def _write(place: HookPlace, path: Path, script: str, backup: Path | None) -> None:
    """Move what is there to ``backup`` (when given), then write the hook atomically; a folder
    that refuses the write is one line, exit 2."""
    temporary = path.with_name(f".{path.name}.migration-guard-tmp")
    try:
        place.folder.mkdir(parents=True, exist_ok=True)  # inside the repository: checked
        temporary.write_text(script, encoding="utf-8")
        temporary.chmod(0o755)
        if backup is not None:
            os.replace(path, backup)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        reason = (error.strerror or str(error)).lower()
        raise InputError(f"{place.shown(path)}: cannot write the hook: {reason}") from None
