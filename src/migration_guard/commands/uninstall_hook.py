"""``uninstall-hook [--stage STAGE]``: remove the hooks install-hook wrote, and only those
(a hook of ours the user has added lines to is theirs now: left alone)."""

from __future__ import annotations

import json
import os
import sys

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.hook.git_hooks import BACKUP_SUFFIX, STAGES, has_edits, hook_place, is_ours


def run(invocation: Invocation) -> int:
    place = hook_place(invocation.project)
    wanted: str | None = invocation.arguments.stage
    removed: list[str] = []
    restored: list[str] = []
    left: list[str] = []
    edited: list[str] = []
    for stage in (wanted,) if wanted else STAGES:
        path = place.path(stage)
        if not path.exists() and not path.is_symlink():
            continue
        if path.is_symlink() or not is_ours(path):
            left.append(place.shown(path))
            continue
        if has_edits(path.read_text(encoding="utf-8", errors="surrogateescape")):
            left.append(place.shown(path))  # ours, with the user's lines: theirs to remove
            edited.append(place.shown(path))
            continue
        backup = path.with_name(path.name + BACKUP_SUFFIX)
        if backup.exists() and not backup.is_symlink():
            os.replace(backup, path)  # the hook --force replaced comes back
            restored.append(place.shown(path))
        else:
            path.unlink()
        removed.append(place.shown(path))
    if invocation.format == "json":
        document = {"removed": removed, "restored": restored, "left_alone": left}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return exit_codes.OK
    for shown in removed:
        again = " (the hook it had replaced is back)" if shown in restored else ""
        sys.stdout.write(f"removed {shown}{again}\n")
    for shown in left:
        why = (
            "it has edits that are not ours"
            if shown in edited
            else ("it is not migration-guard's hook")
        )
        sys.stdout.write(f"left {shown} alone: {why}\n")
    if not removed and not left:
        sys.stdout.write(
            f"no migration-guard hook in {place.shown(place.folder)}; nothing changed\n"
        )
    return exit_codes.OK
