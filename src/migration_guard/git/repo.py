"""The git side: the repository, refs, merge-bases, trees at a commit, and the paths git names.

Paths are bytes to git (a file name need not be UTF-8), so ``git()`` returns bytes and callers
read path lists from ``-z`` output with ``names()``; ``fs_name`` turns one into a path the file
system round-trips, ``shown`` into text a terminal or a report can print (``caf\\xe9.txt``).
Refs, merge-bases and tree walks go through gitpython.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.errors import EnvironmentProblem, InputError

if TYPE_CHECKING:
    from git import Commit, Repo


def open_repo(path: Path) -> Repo:
    """The git repository holding ``path``."""
    try:
        import git
    except ImportError as error:  # git executable missing makes gitpython fail at import
        raise EnvironmentProblem(f"git is not available: {error}") from None
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(f"{path}: not inside a git repository") from None


def default_base(path: Path) -> str:
    """The base ref when neither ``--base`` nor the config names one: the branch ``origin/HEAD``
    points at (``origin/master`` in a repository whose default branch is ``master``), else
    ``origin/main``."""
    import subprocess

    found = subprocess.run(
        ["git", "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"],
        cwd=path,
        capture_output=True,
        text=True,
        check=False,
    )
    ref = found.stdout.strip()
    return ref if found.returncode == 0 and ref.startswith("origin/") else "origin/main"


def resolve_ref(repo: Repo, ref: str) -> Commit:
    """The commit ``ref`` names; a missing ref is an input error naming the fetch to run."""
    import git

    try:
        return repo.commit(ref)
    except ValueError:  # it names an object, but a tree or a blob: no fetch brings a commit
        raise InputError(f"base ref {ref!r} does not name a commit") from None
    except (git.BadName, git.GitCommandError):
        raise InputError(f"base ref {ref!r} not found: run `{fetch_command(repo, ref)}`") from None


def merge_base(repo: Repo, ref: str, commit: Commit) -> Commit:
    """The merge-base of HEAD and ``commit``; a shallow clone without one is an input error."""
    bases = repo.merge_base("HEAD", commit)
    if bases:
        return bases[0]
    shallow = Path(repo.git_dir, "shallow").exists()
    hint = (
        "the clone is shallow: run `git fetch --unshallow` (or check out with fetch-depth: 0)"
        if shallow
        else f"run `{fetch_command(repo, ref)}`"
    )
    raise InputError(f"no merge-base between HEAD and {ref!r}: {hint}")


def fetch_command(repo: Repo, ref: str) -> str:
    remotes = {remote.name for remote in repo.remotes}
    remote, _, branch = ref.partition("/")
    if branch and (remote in remotes or remote == "origin"):
        return f"git fetch {remote} {branch}"
    return f"git fetch origin {ref}"


def repo_relative(repo: Repo, path: Path) -> str:
    """``path`` as a POSIX path from the repository root."""
    root = Path(repo.working_tree_dir or ".").resolve()
    return path.resolve().relative_to(root).as_posix()


def git(
    cwd: Path,
    *arguments: str,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> bytes:
    """``git ARGUMENTS`` in ``cwd``; its stdout as bytes. A failure is an input error with git's
    last line (outside a repository: one line saying so); no git at all is an environment error."""
    try:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=cwd,
            env=None if env is None else dict(env),
            input=stdin,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise EnvironmentProblem("git is not available (not found on PATH)") from None
    if completed.returncode != 0:
        lines = [
            line.strip() for line in os.fsdecode(completed.stderr).splitlines() if line.strip()
        ]
        message = shown(lines[-1]) if lines else "no output"
        if "not a git repository" in message:
            raise InputError(f"{cwd}: not inside a git repository")
        raise InputError(f"git {arguments[0]} failed in {cwd}: {message}")
    return completed.stdout


def git_line(cwd: Path, *arguments: str, env: Mapping[str, str] | None = None) -> str:
    """One line of output (a ref, a folder), decoded as the file system would."""
    return os.fsdecode(git(cwd, *arguments, env=env)).strip()


def names(output: bytes) -> list[bytes]:
    """The entries of ``-z`` output."""
    return [entry for entry in output.split(b"\0") if entry]


def fs_name(name: bytes) -> str:
    """A path git names, as a ``str`` the file system round-trips (undecodable bytes kept)."""
    return os.fsdecode(name)


def shown(name: bytes | str) -> str:
    """A path (or any text from git) for people: bytes that are not UTF-8 and control
    characters as escapes (``caf\\xe9.txt``, ``a\\nb``), never a crash while printing."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def top_level(cwd: Path) -> Path:
    """The work tree's top folder."""
    return Path(git_line(cwd, "rev-parse", "--show-toplevel")).resolve()
