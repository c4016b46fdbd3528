"""install-hook / uninstall-hook: a plain git hook calling the installed tool, and only ours removed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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


def one_line_exit_2(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    return line


def test_a_global_hooks_path_is_not_the_repository_s(tmp_path: Path) -> None:
    """core.hooksPath from the user's global config serves every repository: never touched."""
    repo = empty_repo(tmp_path)
    shared = tmp_path / "global-hooks"
    shared.mkdir()
    (shared / "pre-commit").write_text(FOREIGN)
    global_config = tmp_path / "gitconfig"
    global_config.write_text(
        Path(os.environ["GIT_CONFIG_GLOBAL"]).read_text() + f"[core]\n\thooksPath = {shared}\n"
    )
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(global_config)}
    for force in ((), ("--force",)):
        result = subprocess.run(
            [sys.executable, "-m", "migration_guard", "install-hook", *force],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
        )
        line = one_line_exit_2(result)
        assert f"core.hooksPath ({shared}) is set in the global git config" in line
        assert "every repository" in line
    assert sorted(path.name for path in shared.iterdir()) == ["pre-commit"]
    assert (shared / "pre-commit").read_text() == FOREIGN
    assert not (repo / ".git/hooks/pre-commit").exists()


def test_a_dangling_hooks_path_link_creates_nothing_outside(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    (repo / ".githooks").symlink_to(tmp_path / "nowhere" / "hooks")
    git(repo, "config", "core.hooksPath", ".githooks")
    line = one_line_exit_2(guard(repo, "install-hook"))
    assert ".githooks" in line and "outside the repository" in line
    assert not (tmp_path / "nowhere").exists()


def test_a_hooks_path_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    (repo / "hooks").write_text("not a folder\n")
    git(repo, "config", "core.hooksPath", "hooks")
    line = one_line_exit_2(guard(repo, "install-hook"))
    assert line == "migration-guard: error: hooks: core.hooksPath is a file, not a folder"


def test_a_read_only_hooks_folder_is_one_line(tmp_path: Path) -> None:
    """As an unprivileged user (root writes anywhere): the folder's mode refuses the write."""
    base = Path(tempfile.mkdtemp(prefix="mg-readonly-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        repo = base / "repo"
        repo.mkdir()
        git(repo, "init", "-q")
        subprocess.run(["chown", "-R", "nobody:", str(base)], check=True)
        (repo / ".git/hooks").chmod(0o555)
        home = base / "home"
        result = subprocess.run(
            [
                "setpriv",
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                sys.executable,
                "-m",
                "migration_guard",
                "install-hook",
            ],
            cwd=repo,
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": str(home), "GIT_CONFIG_GLOBAL": "/dev/null"},
        )
        line = one_line_exit_2(result)
        assert line == (
            "migration-guard: error: .git/hooks/pre-commit: cannot write the hook: "
            "permission denied"
        )
        assert not any(".migration-guard-tmp" in name for name in os.listdir(repo / ".git/hooks"))
        assert not (repo / ".git/hooks/pre-commit").exists()
    finally:
        shutil.rmtree(base)


def test_a_hook_file_the_user_edited_is_backed_up_not_lost(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path)
    assert guard(repo, "install-hook").returncode == 0
    hook = repo / ".git/hooks/pre-commit"
    edited = hook.read_text() + "echo 'and the team's own check'\n"
    hook.write_text(edited)

    left = guard(repo, "uninstall-hook")
    assert left.returncode == 0, left.stderr
    assert left.stdout == "left .git/hooks/pre-commit alone: it has edits that are not ours\n"
    assert hook.read_text() == edited

    again = guard(repo, "install-hook")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(
        "updated .git/hooks/pre-commit; it had edits that are not ours: "
        "kept as .git/hooks/pre-commit.bak"
    )
    assert (repo / ".git/hooks/pre-commit.bak").read_text() == edited
    assert "and the team's own check" not in hook.read_text()
    refused = guard(repo, "install-hook")  # unedited now: nothing to back up
    assert "nothing changed" in refused.stdout
