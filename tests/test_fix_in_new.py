"""`new` (and so the hook) shows the safe version of what it generated, and applies it with
``fix = "hook"`` before showing the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.test_new_command import VERSIONS, git, guard, only_git_bin, revision_files

pytestmark = pytest.mark.slow

USER_MODEL = "backend/app/models/user.py"


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    """The example, committed, with an index added to an existing table's model."""
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "initial")
    model = project / USER_MODEL
    model.write_text(
        model.read_text().replace(
            "display_name: Mapped[str] = mapped_column(String(120))",
            "display_name: Mapped[str] = mapped_column(String(120), index=True)",
        )
    )
    return project


def test_new_offers_the_fix_it_does_not_apply(indexed: Path, tmp_path: Path) -> None:
    before = revision_files(indexed)
    result = guard(
        indexed,
        "new",
        "index names",
        "--runner",
        "local",
        "--dry-run",
        path=[only_git_bin(tmp_path)],
    )
    output = result.stdout
    assert "[index-not-concurrent]" in output, output + result.stderr
    assert "rewrites it into the safe pattern" in output
    assert "+    with op.get_context().autocommit_block():" in output
    assert "postgresql_concurrently=True)" in output
    assert revision_files(indexed) == before


def test_fix_hook_applies_the_fix_before_showing(indexed: Path, tmp_path: Path) -> None:
    pyproject = indexed / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'fix = "hook"\n')
    before = revision_files(indexed)
    result = guard(
        indexed, "new", "index names", "--runner", "local", path=[only_git_bin(tmp_path)]
    )
    output = result.stdout
    assert 'fix = "hook" rewrote the generated revision' in output, output + result.stderr
    (new,) = revision_files(indexed) - before
    source = (indexed / VERSIONS / new).read_text()
    assert "with op.get_context().autocommit_block():" in source
    assert "postgresql_concurrently=True" in source
    findings = output.split("4. Lint findings:")[1]
    assert "[index-not-concurrent]" not in findings
    assert "[not-null-without-default]" in findings  # no mechanical fix: still reported
    # the rollback shown is the fixed file's: the index is dropped concurrently too
    rollback = output.split("--- SQL on rollback")[1].split("4. Lint findings:")[0]
    assert "DROP INDEX CONCURRENTLY" in rollback
