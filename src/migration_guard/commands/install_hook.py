"""``install-hook [--stage STAGE] [--force]``: a plain git hook calling the installed tool."""

from __future__ import annotations

import json
import os
import sys

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError
from migration_guard.githooks import (
    BACKUP_SUFFIX,
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
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    if path.is_symlink() or (path.exists() and not is_ours(path)):
        if not invocation.arguments.force:
            raise InputError(
                f"{shown}: a hook that is not migration-guard's is already there; "
                f"run `migration-guard install-hook --stage {stage} --force` to replace it "
                "(it is kept as "
                f"{place.shown(backup)})"
            )
        if backup.exists() or backup.is_symlink():
            raise InputError(f"{place.shown(backup)}: already exists; move it away first")
        os.replace(path, backup)
        action = "replaced"
    elif path.exists():
        action = "unchanged" if path.read_text(encoding="utf-8") == script else "updated"
    else:
        action = "installed"
    if action != "unchanged":
        place.folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.migration-guard-tmp")
        temporary.write_text(script, encoding="utf-8")
        temporary.chmod(0o755)
        os.replace(temporary, path)
    if invocation.format == "json":
        document = {"hook": shown, "stage": stage, "action": action}
        if action == "replaced":
            document["backup"] = place.shown(backup)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return exit_codes.OK
    messages = {
        "installed": f"installed {shown}",
        "updated": f"updated {shown}",
        "unchanged": f"{shown} is already installed; nothing changed",
        "replaced": f"installed {shown}; the hook that was there is kept as {place.shown(backup)}",
    }
    sys.stdout.write(f"{messages[action]} (runs {sys.executable} -m migration_guard)\n")
    return exit_codes.OK
