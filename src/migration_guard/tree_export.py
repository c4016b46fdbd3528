"""The project as git holds it (the index, or a commit), written out to a scratch folder.

The hook and ``drift --staged`` judge the index, ``drift`` and ``check`` the committed tree;
neither may see the work tree (unstaged edits, untracked revision files). So the files under
the project folder are exported with ``git checkout-index`` (a commit through a temporary
index), and the project is opened there: its alembic.ini (``%(here)s`` then names the copy),
env.py, versions folders, models and whatever else they import from the project.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import ConfigError, InputError
from migration_guard.project import Project

GITLINK_MODE = "160000"


@dataclass(frozen=True)
class ExportedTree:
    """A project opened on an exported tree, and where it maps back to."""

    project: Project
    """The project inside the export (config as the real one's, root and Alembic settings moved)."""
    real_root: Path
    what: str
    """``the index`` or ``commit ABC1234``: said in messages."""

    @property
    def root(self) -> Path:
        return self.project.root

    def real_path(self, path: str | Path) -> str:
        """A path inside the export as the user knows it: relative to the project root."""
        text = str(path)
        root = str(self.root)
        if text == root or text.startswith(root + os.sep):
            return Path(os.path.relpath(text, root)).as_posix()
        return text


def repository_top(root: Path) -> Path:
    completed = _git(root, ["rev-parse", "--show-toplevel"])
    return Path(completed.strip()).resolve()


def export_project(
    project: Project, destination: Path, *, commit: str | None = None
) -> ExportedTree:
    """Write the project folder as the index (``commit`` None) or ``commit`` holds it to
    ``destination`` (which must not exist) and open the project there."""
    top = repository_top(project.root)
    real_root = project.root.resolve()
    folder = _inside(real_root, top)
    destination.mkdir(parents=True)
    env = dict(os.environ)
    what = "the index"
    if commit is not None:
        env["GIT_INDEX_FILE"] = str(destination / ".migration-guard-index")
        _git(top, ["read-tree", commit], env=env)
        what = f"commit {commit}"
    tree = destination / "tree"
    listed = _git(top, ["ls-files", "-s", "-z", "--", folder or "."], env=env)
    names = []
    for entry in listed.split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        mode, _object, stage = meta.split()
        if mode != GITLINK_MODE and stage == "0":
            names.append(name)
    tree.mkdir()
    if names:
        _git(
            top,
            ["checkout-index", "-z", "--stdin", f"--prefix={tree}/"],
            env=env,
            stdin="\0".join(names) + "\0",
        )
    exported_root = tree / folder if folder else tree
    exported_root.mkdir(parents=True, exist_ok=True)
    return ExportedTree(_open_exported(project, exported_root, top, what), real_root, what)


def _open_exported(project: Project, exported_root: Path, top: Path, what: str) -> Project:
    from migration_guard.alembic_ini import read_alembic_settings

    config = dataclasses.replace(project.config, root=exported_root)
    real_ini = project.alembic.ini_path.resolve()
    try:
        relative_ini = real_ini.relative_to(project.root.resolve())
    except ValueError:
        raise ConfigError(
            f"{real_ini}: alembic.ini must be inside the project {project.root} to be checked "
            f"as {what} holds it"
        ) from None
    ini = exported_root / relative_ini
    if not ini.is_file():
        raise InputError(
            f"{relative_ini.as_posix()}: not in {what} (git add it, or commit it, first)"
        )
    settings = read_alembic_settings(ini)
    for location in (settings.script_location, *settings.version_locations):
        if not location.resolve().is_relative_to(exported_root.resolve()):
            raise ConfigError(
                f"{real_ini}: {location} is outside the project: only folders inside it can "
                f"be checked as {what} holds them (use %(here)s or a relative path)"
            )
    if not (settings.script_location / "env.py").is_file():
        shown = settings.script_location.relative_to(exported_root).as_posix()
        raise InputError(f"{shown}/env.py: not in {what} (git add it, or commit it, first)")
    for location in settings.version_locations:
        location.mkdir(parents=True, exist_ok=True)  # git keeps no empty folders
    return Project(config=config, alembic=settings)


def _inside(path: Path, top: Path) -> str:
    try:
        relative = path.relative_to(top).as_posix()
    except ValueError:
        raise ConfigError(f"{path}: not inside the git repository {top}") from None
    return "" if relative == "." else relative


def _git(
    cwd: Path, arguments: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> str:
    completed = subprocess.run(
        ["git", *arguments],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        message = lines[-1] if lines else "no output"
        if "not a git repository" in message:
            raise InputError(f"{cwd}: not inside a git repository")
        raise InputError(f"git {arguments[0]} failed in {cwd}: {message}")
    return completed.stdout


def require_head(root: Path) -> None:
    """An input error when the repository has no commit yet (nothing committed to judge)."""
    top = repository_top(root)
    completed = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "HEAD^{commit}"],
        cwd=top,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise InputError(f"{top}: no commit yet: commit first, or use --staged for the index")
