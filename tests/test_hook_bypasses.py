"""Ways round the commit hook, closed: a revision that is a link, a config key spelt in quotes.

Real git, real pre-commit (passing file names, as it does), the real throwaway PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_hook_precommit import (
    MODEL,
    VERSIONS,
    commit,
    environment,
    git,
    install,
    project_repo,
    revision_files,
)

pytestmark = pytest.mark.slow

HEAD = "e2b86d14f07a"
PURGE = f'''"""purge the audit trail

Revision ID: 0008purge
Revises: {HEAD}
"""
from alembic import op

revision = "0008purge"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM audit_log")


def downgrade():
    pass
'''
NOTE_MODEL = '''"""Notes, kept next to the models but in their own folder."""

from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
'''
NOTES_REVISION = f'''"""create notes

Revision ID: 0007notes
Revises: {HEAD}
"""
import sqlalchemy as sa
from alembic import op

revision = "0007notes"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )


def downgrade():
    op.drop_table("notes")
'''


def guard(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )


def linked_revision(repo: Path, target: Path) -> str:
    """``versions/0008_purge.py`` as a link to ``target`` holding the purge; both staged."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(PURGE)
    link = repo / VERSIONS / "0008_purge.py"
    link.symlink_to(os.path.relpath(target, link.parent))
    git(repo, "add", "-A")
    return f"{VERSIONS}/0008_purge.py"


def test_a_revision_that_is_a_link_is_linted_as_a_revision(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    link = linked_revision(repo, repo / "backend/db_scripts/0008_purge.py")
    for files in ((), (link, "backend/db_scripts/0008_purge.py")):
        result = guard(repo, "hook", *files)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"{link}:" in result.stdout and "[audit-log-delete]" in result.stdout

    env = environment(tmp_path)
    install(repo, env)
    committed = commit(repo, env, "purge")
    output = committed.stdout + committed.stderr
    assert committed.returncode == 1, output
    assert "[audit-log-delete]" in output
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_a_revision_that_links_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    link = linked_revision(repo, tmp_path / "elsewhere/0008_purge.py")
    result = guard(repo, "hook", link)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"migration-guard: error: {link}: a symbolic link to ")
    assert "outside the repository" in line


def test_a_quoted_models_key_is_read_by_the_fast_path_too(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    extra = repo / "backend/app/extra"
    extra.mkdir()
    (extra / "__init__.py").write_text("")
    (extra / "note.py").write_text(NOTE_MODEL)
    init = repo / "backend/app/models/__init__.py"
    init.write_text(init.read_text() + "\nfrom app.extra.note import Note  # noqa: E402,F401\n")
    (repo / VERSIONS / "0007_create_notes.py").write_text(NOTES_REVISION)
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text()
    assert 'models = ["backend/app/models"]\n' in text
    pyproject.write_text(
        text.replace(
            'models = ["backend/app/models"]\n',
            '"models" = ["backend/app/models", "backend/app/extra"]\n',
        )
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "notes")
    env = environment(tmp_path)
    install(repo, env)
    before = revision_files(repo)
    note = extra / "note.py"
    note.write_text(
        note.read_text().replace(
            "from sqlalchemy.orm", "from sqlalchemy import String\nfrom sqlalchemy.orm"
        )
        + "    title: Mapped[str | None] = mapped_column(String(80))\n"
    )
    git(repo, "add", "backend/app/extra/note.py")
    stopped = commit(repo, env, "note titles")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode == 1, output
    assert "generating 'update notes'" in output
    assert len(revision_files(repo) - before) == 1, output
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "2"
    assert MODEL not in output
