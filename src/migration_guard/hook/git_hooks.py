"""Plain git hooks that call the installed migration-guard: where they live, what they say."""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import InputError

# pre-commit generates (or checks and lints); at merge time and after it, only the graph.
STAGE_COMMANDS = {
    "pre-commit": "hook",
    "pre-merge-commit": "heads",
    "post-merge": "heads",
    "post-rewrite": "heads",
}
STAGES = tuple(STAGE_COMMANDS)
MARKER = "# migration-guard-hook:"
"""The line that makes a hook file ours: uninstall-hook removes only files that carry it."""
BACKUP_SUFFIX = ".before-migration-guard"
"""A foreign hook ``install-hook --force`` replaced (``uninstall-hook`` puts it back)."""
EDITED_SUFFIX = ".bak"
"""Our hook with the user's edits, kept when ``install-hook`` writes it afresh."""


@dataclass(frozen=True)
class HookPlace:
    """Where one stage's hook goes in the repository holding the project."""

    top: Path
    """The work tree's top folder (git runs hooks from there)."""
    folder: Path
    """The hooks folder: ``core.hooksPath`` when set, else the common ``.git/hooks``."""

    def path(self, stage: str) -> Path:
        return self.folder / stage

    def shown(self, path: Path) -> str:
        """``path`` as the user knows it: from the work tree's top when inside it."""
        try:
            return path.relative_to(self.top).as_posix()
        except ValueError:
            return str(path)


def _git(project: Path, *args: str) -> str:
    from migration_guard.git.repo import git_line

    try:
        return git_line(project, *args)
    except InputError:
        raise InputError(f"{project}: not inside a git work tree") from None


def hook_place(project: Path) -> HookPlace:
    """The hooks folder as git itself resolves it (``core.hooksPath``, worktrees, ``$GIT_DIR``),
    and only when it is this repository's: a ``core.hooksPath`` from the global or system
    config serves every repository, and a folder outside the repository (an absolute path, a
    link leading out) is not ours to write in. A file where the folder should be is refused."""
    top = Path(_git(project, "rev-parse", "--show-toplevel")).resolve()
    given = project / _git(project, "rev-parse", "--git-path", "hooks")
    place = HookPlace(top=top, folder=given.resolve())
    scope, _, value = _hooks_path_setting(project).partition("\t")
    if scope in ("global", "system"):
        raise InputError(
            f"core.hooksPath ({value}) is set in the {scope} git config, so its hooks serve "
            "every repository: migration-guard writes only this repository's; set one for it "
            "(`git config core.hooksPath .git/hooks`), or call `migration-guard hook` from "
            "that folder's pre-commit yourself"
        )
    shown = place.shown(Path(os.path.abspath(given)))
    common = Path(_git(project, "rev-parse", "--path-format=absolute", "--git-common-dir"))
    if not any(place.folder.is_relative_to(inside) for inside in (top, common.resolve())):
        raise InputError(
            f"{shown}: core.hooksPath leads outside the repository (to {place.folder}); "
            "migration-guard writes only inside it"
        )
    if place.folder.exists() and not place.folder.is_dir():
        what = "core.hooksPath" if scope else "the hooks folder"
        raise InputError(f"{shown}: {what} is a file, not a folder")
    return place


def _hooks_path_setting(project: Path) -> str:
    """``scope<TAB>value`` of core.hooksPath, or an empty string when it is not set."""
    from migration_guard.git.repo import git

    try:
        output = git(project, "config", "--show-scope", "--get", "core.hooksPath")
    except InputError:
        return ""  # not set (git config exits 1)
    return os.fsdecode(output).strip()


def is_ours(path: Path) -> bool:
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    return MARKER.encode() in head


def hook_script(stage: str, project_from_top: str, python: str | None = None) -> str:
    """The hook: this interpreter's migration-guard, the project, the stage's command."""
    python = python or os.path.abspath(sys.executable)
    command = STAGE_COMMANDS[stage]
    gone = (
        f"migration-guard {stage} hook: {python} is gone; run `migration-guard install-hook "
        f"--stage {stage} --force` from the environment that has migration-guard"
    )
    return (
        "#!/bin/sh\n"
        f"{MARKER} {stage}\n"
        "# Written by `migration-guard install-hook`; `migration-guard uninstall-hook` removes it.\n"
        f"# `git {'commit' if stage == 'pre-commit' else 'merge'} --no-verify` skips it.\n"
        f"python={shlex.quote(python)}\n"
        'if [ ! -x "$python" ]; then\n'
        f"    echo {shlex.quote(gone)} >&2\n"
        "    exit 1\n"
        "fi\n"
        f'exec "$python" -m migration_guard --project {shlex.quote(project_from_top)} {command}\n'
    )


def has_edits(text: str) -> bool:
    """Our hook file with lines of someone else's: it differs from every hook we would write
    (whatever interpreter and project it names). Such a file is backed up, never lost."""
    stage = re.search(rf"^{re.escape(MARKER)} (\S+)$", text, re.MULTILINE)
    python = re.search(r"^python=(.+)$", text, re.MULTILINE)
    project = re.search(r"-m migration_guard --project (.+) \S+$", text, re.MULTILINE)
    if stage is None or python is None or project is None or stage[1] not in STAGE_COMMANDS:
        return True
    try:
        (python_path,) = shlex.split(python[1])
        (project_path,) = shlex.split(project[1])
    except ValueError:
        return True
    return text != hook_script(stage[1], project_path, python_path)


def free_backup(path: Path, suffix: str) -> Path:
    """``path`` + ``suffix``; one already there is the user's to move (never overwritten)."""
    backup = path.with_name(path.name + suffix)
    if backup.exists() or backup.is_symlink():
        raise InputError(f"{backup.name}: already exists next to {path.name}; move it away first")
    return backup


def project_from_top(place: HookPlace, project: Path) -> str:
    relative = project.resolve().relative_to(place.top).as_posix()
    return relative or "."
