"""The base ref when neither ``--base`` nor the config names one: the branch ``origin/HEAD``
points at, else ``origin/main``."""

from __future__ import annotations

from pathlib import Path

from migration_guard.git.repo import default_base
from tests.projects import git


def repository(root: Path) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "trunk")
    (root / "file").write_text("x\n")
    git(root, "add", "file")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_without_origin_head_it_is_origin_main(tmp_path: Path) -> None:
    assert default_base(repository(tmp_path / "repo")) == "origin/main"


def test_the_branch_origin_head_names(tmp_path: Path) -> None:
    upstream = repository(tmp_path / "upstream")
    git(tmp_path, "clone", "-q", str(upstream), "clone")
    assert default_base(tmp_path / "clone") == "origin/trunk"
    assert default_base(tmp_path / "clone" / ".git") == "origin/trunk"


def test_outside_a_repository_it_is_origin_main(tmp_path: Path) -> None:
    assert default_base(tmp_path) == "origin/main"
