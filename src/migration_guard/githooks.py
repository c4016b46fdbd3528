"""Plain git hooks that call the installed migration-guard: where they live, what they say."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import EnvironmentProblem, InputError

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
    try:
        result = subprocess.run(
            ["git", *args], cwd=project, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise EnvironmentProblem("git is not available (not found on PATH)") from None
    if result.returncode != 0:
        raise InputError(f"{project}: not inside a git work tree")
    return result.stdout.strip()


def hook_place(project: Path) -> HookPlace:
    """The hooks folder as git itself resolves it: ``core.hooksPath``, worktrees, ``$GIT_DIR``."""
    top = Path(_git(project, "rev-parse", "--show-toplevel")).resolve()
    folder = Path(_git(project, "rev-parse", "--git-path", "hooks"))
    return HookPlace(top=top, folder=(project / folder).resolve())


def is_ours(path: Path) -> bool:
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    return MARKER.encode() in head


def hook_script(stage: str, project_from_top: str) -> str:
    """The hook: this interpreter's migration-guard, the project, the stage's command."""
    python = os.path.abspath(sys.executable)
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


def project_from_top(place: HookPlace, project: Path) -> str:
    relative = project.resolve().relative_to(place.top).as_posix()
    return relative or "."
