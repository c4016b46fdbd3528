"""The git side, through gitpython: the repository, refs, merge-bases, trees at a commit."""

from __future__ import annotations

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
