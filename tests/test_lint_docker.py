"""``lint`` with ``runner = "docker"``: rendered by ``docker compose run --rm backend alembic
upgrade … --sql`` through the fake docker of test_new_command (the only stand-in)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.test_new_command import assert_never_upgraded, calls, docker_env, fake_bin, guard

pytestmark = pytest.mark.slow

VERSIONS = "backend/alembic/versions"
TRUNCATE = '''"""prune audit

Revision ID: f00d00000001
Revises: e2b86d14f07a
"""
from alembic import op

revision = "f00d00000001"
down_revision = "e2b86d14f07a"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("TRUNCATE audit_log")


def downgrade():
    pass
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / VERSIONS / "f00d00000001_prune_audit.py").write_text(TRUNCATE)
    return copy


def test_lint_all_renders_once_in_the_backend_container(project: Path, tmp_path: Path) -> None:
    environment = docker_env(tmp_path, "postgresql://unused@127.0.0.1:9/none")
    result = guard(
        project,
        "--format",
        "json",
        "lint",
        "--runner",
        "docker",
        path=[fake_bin(tmp_path, "docker"), Path(shutil.which("git") or "/usr/bin").parent],
        env=environment,
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert len(document["revisions"]) == 7
    (finding,) = document["findings"]
    assert finding["rule"] == "audit-log-delete"
    assert finding["path"] == f"{VERSIONS}/f00d00000001_prune_audit.py"
    assert finding["line"] == 1  # the container's line numbers are not ours: the file's first line
    recorded = calls(tmp_path)
    renders = [call for call in recorded if "upgrade" in call]
    assert renders == [
        ["docker", "compose", "run", "--rm", "backend", "alembic", "upgrade", "heads", "--sql"]
    ]
    assert_never_upgraded(recorded)


def test_lint_one_revision_renders_from_its_parent(project: Path, tmp_path: Path) -> None:
    environment = docker_env(tmp_path, "postgresql://unused@127.0.0.1:9/none")
    result = guard(
        project,
        "--format",
        "json",
        "lint",
        "--runner",
        "docker",
        "f00d00000001",
        path=[fake_bin(tmp_path, "docker"), Path(shutil.which("git") or "/usr/bin").parent],
        env=environment,
    )
    assert result.returncode == 1, result.stderr
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["audit-log-delete"]
    renders = [call for call in calls(tmp_path) if "upgrade" in call]
    assert renders == [
        [
            "docker",
            "compose",
            "run",
            "--rm",
            "backend",
            "alembic",
            "upgrade",
            "e2b86d14f07a:f00d00000001",
            "--sql",
        ]
    ]


def test_revision_failing_in_the_container_points_at_its_raising_line(
    project: Path, tmp_path: Path
) -> None:
    path = project / VERSIONS / "f00d00000001_prune_audit.py"
    path.write_text(
        TRUNCATE.replace(
            '    op.execute("TRUNCATE audit_log")',
            '    note = "offline"\n    raise RuntimeError("needs rows")',
        )
    )
    environment = docker_env(tmp_path, "postgresql://unused@127.0.0.1:9/none")
    result = guard(
        project,
        "--format",
        "json",
        "lint",
        "--runner",
        "docker",
        "f00d00000001",
        path=[fake_bin(tmp_path, "docker"), Path(shutil.which("git") or "/usr/bin").parent],
        env=environment,
    )
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "render-failed"
    assert "needs rows" in finding["message"]
    raising = path.read_text().splitlines().index('    raise RuntimeError("needs rows")') + 1
    assert finding["line"] == raising
