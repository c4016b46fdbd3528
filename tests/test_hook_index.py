"""The hook decides from the index: an unstaged or untracked revision satisfies nothing.

The user's story, end to end with real git, the plain hook (`install-hook`) and a real
throwaway PostgreSQL: stage a model change and commit (stopped, a revision generated for
review); commit again without `git add` (stopped again, no second revision); `git add` the
revision and commit (it goes through).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.projects import LANGUAGE_REVISION, MODELS, VERSIONS, git, init_repo

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example backend with its pending column migrated: HEAD is in sync; hook installed."""
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    init_repo(root)
    installed = subprocess.run(
        [sys.executable, "-m", "migration_guard", "install-hook"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    return root


def commit(root: Path, message: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    environment["MIGRATION_MESSAGE"] = "add document summary"
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
    )


def generated(root: Path) -> list[str]:
    return sorted(p.name for p in (root / VERSIONS).glob("*.py") if "summary" in p.name)


def add_summary_column(root: Path) -> None:
    model = root / MODELS / "document.py"
    model.write_text(
        model.read_text().replace(
            "    language: Mapped[str]",
            "    summary: Mapped[str | None] = mapped_column(Text)\n    language: Mapped[str]",
        )
    )
    git(root, "add", MODELS)


def test_committing_again_without_git_add_is_stopped_again(repo: Path) -> None:
    add_summary_column(repo)
    first = commit(repo, "model change")
    assert first.returncode != 0, first.stdout + first.stderr
    (revision,) = generated(repo)
    assert git(repo, "status", "--porcelain", VERSIONS).startswith("??")

    second = commit(repo, "model change, again")
    assert second.returncode != 0, second.stdout + second.stderr
    assert "documents.summary" in second.stdout + second.stderr
    assert generated(repo) == [revision]  # no second revision piled up
    assert git(repo, "log", "--format=%s").splitlines()[0] == "initial"

    git(repo, "add", VERSIONS)
    third = commit(repo, "model change with its migration")
    assert third.returncode == 0, third.stdout + third.stderr
    assert git(repo, "log", "--format=%s").splitlines()[0] == "model change with its migration"


def test_a_staged_revision_that_misses_the_staged_model_is_refused(repo: Path) -> None:
    add_summary_column(repo)
    other = (
        LANGUAGE_REVISION.replace("0007lang", "0008other")
        .replace('down_revision = "e2b86d14f07a"', 'down_revision = "0007lang"')
        .replace("Revises: e2b86d14f07a", "Revises: 0007lang")
    )
    other = other.replace(
        'op.add_column("documents", sa.Column("language", sa.String(length=8), nullable=False))',
        'op.create_index("ix_documents_title", "documents", ["title"])',
    ).replace('op.drop_column("documents", "language")', 'op.drop_index("ix_documents_title")')
    (repo / VERSIONS / "0008_other.py").write_text(other)
    git(repo, "add", VERSIONS)
    refused = commit(repo, "a revision that is not the model's")
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "models-without-migration" in refused.stdout + refused.stderr
    assert "documents.summary" in refused.stdout + refused.stderr


def test_an_unstaged_model_edit_alone_commits(repo: Path) -> None:
    model = repo / MODELS / "document.py"
    model.write_text(model.read_text() + "\n# a staged comment\n")
    git(repo, "add", MODELS)
    (repo / MODELS / "document.py").write_text(
        model.read_text().replace(
            "    language: Mapped[str]", "    extra: Mapped[int]\n    language: Mapped[str]"
        )
    )
    result = commit(repo, "comment only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert generated(repo) == []


def test_the_plain_hook_lints_the_staged_blob_not_the_work_tree(repo: Path) -> None:
    bad = (
        LANGUAGE_REVISION.replace("0007lang", "0008purge")
        .replace('down_revision = "e2b86d14f07a"', 'down_revision = "0007lang"')
        .replace("Revises: e2b86d14f07a", "Revises: 0007lang")
    )
    bad = bad.replace(
        'op.add_column("documents", sa.Column("language", sa.String(length=8), nullable=False))',
        'op.execute("DELETE FROM audit_log")',
    ).replace('op.drop_column("documents", "language")', "pass")
    path = repo / VERSIONS / "0008_purge.py"
    path.write_text(bad)
    git(repo, "add", VERSIONS)
    path.write_text(bad.replace('op.execute("DELETE FROM audit_log")', "pass"))  # unstaged fix
    refused = commit(repo, "purge the audit log")
    assert refused.returncode != 0, refused.stdout + refused.stderr
    output = refused.stdout + refused.stderr
    assert "audit-log-delete" in output
    assert f"{VERSIONS}/0008_purge.py" in output
    assert "migration-guard-hook-" not in output  # the repository's path, not the export's


def test_a_model_change_over_a_history_that_fails_to_upgrade_reports_the_revision(
    repo: Path,
) -> None:
    """A committed revision that fails on a fresh database (committed with --no-verify): the
    hook cannot generate from that history, so it names the revision and its line (exit 1),
    not an environment error, and writes no revision."""
    broken = (
        LANGUAGE_REVISION.replace("0007lang", "0008purge")
        .replace('down_revision = "e2b86d14f07a"', 'down_revision = "0007lang"')
        .replace("Revises: e2b86d14f07a", "Revises: 0007lang")
        .replace(
            'op.add_column("documents", sa.Column("language", sa.String(length=8), nullable=False))',
            'op.execute("DELETE FROM audit_events")',
        )
    )
    (repo / VERSIONS / "0008_purge.py").write_text(broken)
    git(repo, "add", VERSIONS)
    git(repo, "commit", "-q", "--no-verify", "-m", "broken revision")
    add_summary_column(repo)
    stopped = commit(repo, "model change")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode == 1, output
    assert f"{VERSIONS}/0008_purge.py:16: error [upgrade-failed]" in output, output
    assert 'relation "audit_events" does not exist' in output
    assert generated(repo) == []
