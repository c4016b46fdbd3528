"""A `git merge` that creates two heads is refused at merge time: real git, real pre-commit
installed for the pre-merge-commit stage, and the plain hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.projects import add_revision, commit_all, git, init_repo, make_project

BIN = Path(sys.executable).parent


def two_branches(root: Path) -> Path:
    """main and feature each add a revision on a1 (different files, so git merges cleanly)."""
    make_project(root)
    add_revision(root, "a1", None)
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    commit_all(root, "feature adds b2")
    git(root, "checkout", "-q", "main")
    add_revision(root, "c3", "a1")
    commit_all(root, "main adds c3")
    return root


def environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    return env


def merge(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "merge", "--no-ff", "-m", "merge feature", "feature"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_pre_commit_merge_stage_refuses_a_merge_creating_two_heads(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks-repo"
    hooks.mkdir()
    shutil.copy(REPO_ROOT / ".pre-commit-hooks.yaml", hooks / ".pre-commit-hooks.yaml")
    init_repo(hooks)
    rev = git(hooks, "rev-parse", "HEAD").strip()
    root = tmp_path / "project"
    root.mkdir()
    (root / ".pre-commit-config.yaml").write_text(
        "default_install_hook_types: [pre-commit, pre-merge-commit]\n"
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n"
        "      - id: migration-heads\n      - id: migration-heads-merge\n"
    )
    two_branches(root)
    env = environment(tmp_path)
    installed = subprocess.run(
        [str(BIN / "pre-commit"), "install"], cwd=root, env=env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (root / ".git" / "hooks" / "pre-merge-commit").exists()
    head_before = git(root, "rev-parse", "HEAD")
    result = merge(root, env)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "multiple-heads" in result.stdout + result.stderr
    assert git(root, "rev-parse", "HEAD") == head_before


def test_plain_pre_merge_commit_hook_refuses_a_merge_creating_two_heads(tmp_path: Path) -> None:
    root = two_branches(tmp_path / "project")
    git(root, "config", "core.hooksPath", str(REPO_ROOT / "hooks"))
    head_before = git(root, "rev-parse", "HEAD")
    result = merge(root, environment(tmp_path))
    assert result.returncode != 0, result.stdout + result.stderr
    assert "multiple-heads" in result.stdout + result.stderr
    assert git(root, "rev-parse", "HEAD") == head_before


def test_a_merge_keeping_one_head_goes_through(tmp_path: Path) -> None:
    root = tmp_path / "project"
    make_project(root)
    add_revision(root, "a1", None)
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    commit_all(root, "feature adds b2")
    git(root, "checkout", "-q", "main")
    (root / "README").write_text("unrelated\n")
    commit_all(root, "main changes something else")
    git(root, "config", "core.hooksPath", str(REPO_ROOT / "hooks"))
    result = merge(root, environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
