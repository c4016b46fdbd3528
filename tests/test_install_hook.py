"""install-hook / uninstall-hook: a plain git hook calling the installed tool, and only ours removed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_hook_precommit import (
    LANGUAGE_LINE,
    MODEL,
    environment,
    git,
    project_repo,
    revision_files,
)

FOREIGN = "#!/bin/sh\necho the team's own hook\n"


def guard(repo: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--project", str(repo), *args],
        cwd=cwd or repo,
        capture_output=True,
        text=True,
    )


def empty_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


@pytest.mark.slow
def test_installed_hook_refuses_a_commit_of_an_unmigrated_model(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    (repo / ".pre-commit-config.yaml").unlink()
    git(repo, "commit", "-q", "-am", "no pre-commit framework")
    installed = guard(repo, "install-hook")
    assert installed.returncode == 0, installed.stderr
    assert "installed .git/hooks/pre-commit" in installed.stdout
    before = revision_files(repo)
    model = repo / MODEL
    model.write_text(
        model.read_text().replace("    updated_at:", LANGUAGE_LINE + "    updated_at:", 1)
    )
    git(repo, "add", MODEL)
    env = environment(tmp_path)
    env["PATH"] = "/usr/bin:/bin"  # the hook calls the installed tool by its absolute path
    result = subprocess.run(
        ["git", "commit", "-m", "add language"], cwd=repo, env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert len(revision_files(repo) - before) == 1, output
    assert "not-null-without-default" in output
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "2"  # nothing committed

    removed = guard(repo, "uninstall-hook")
    assert removed.stdout == "removed .git/hooks/pre-commit\n"
    assert not (repo / ".git/hooks/pre-commit").exists()


def test_a_second_install_changes_nothing(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    assert guard(repo, "install-hook").returncode == 0
    hook = repo / ".git/hooks/pre-commit"
    first = hook.read_text()
    assert os.access(hook, os.X_OK)
    assert f"{os.path.abspath(sys.executable)}" in first
    again = guard(repo, "install-hook")
    assert again.returncode == 0
    assert "nothing changed" in again.stdout
    assert hook.read_text() == first


def test_foreign_hook_is_refused_then_kept_aside_with_force_and_restored(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text(FOREIGN)
    refused = guard(repo, "install-hook")
    assert refused.returncode == 2
    assert len(refused.stderr.splitlines()) == 1
    assert "not migration-guard's" in refused.stderr and "--force" in refused.stderr
    assert hook.read_text() == FOREIGN

    forced = guard(repo, "install-hook", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "migration-guard-hook" in hook.read_text()
    assert (repo / ".git/hooks/pre-commit.before-migration-guard").read_text() == FOREIGN

    assert guard(repo, "uninstall-hook").returncode == 0
    assert hook.read_text() == FOREIGN


def test_uninstall_removes_only_ours(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    assert guard(repo, "install-hook", "--stage", "pre-merge-commit").returncode == 0
    foreign = repo / ".git/hooks/post-merge"
    foreign.write_text(FOREIGN)
    result = guard(repo, "uninstall-hook")
    assert result.returncode == 0
    assert not (repo / ".git/hooks/pre-merge-commit").exists()
    assert foreign.read_text() == FOREIGN
    assert "left .git/hooks/post-merge alone" in result.stdout


def test_core_hooks_path_is_respected(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    git(repo, "config", "core.hooksPath", ".githooks")
    result = guard(repo, "install-hook", "--stage", "pre-merge-commit")
    assert result.returncode == 0, result.stderr
    hook = repo / ".githooks/pre-merge-commit"
    assert "-m migration_guard --project . heads" in hook.read_text()
    assert not (repo / ".git/hooks/pre-merge-commit").exists()


def test_worktree_installs_into_the_shared_hooks_folder(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    (repo / "pyproject.toml").write_text("")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    worktree = tmp_path / "feature"
    git(repo, "worktree", "add", "-q", str(worktree), "-b", "feature")
    (worktree / "backend").mkdir()
    result = guard(worktree / "backend", "install-hook")
    assert result.returncode == 0, result.stderr
    hook = repo / ".git/hooks/pre-commit"
    assert "--project backend hook" in hook.read_text()


def test_outside_a_git_repository_is_one_line_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--project", str(folder), "install-hook"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not inside a git work tree" in result.stderr
