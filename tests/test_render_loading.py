"""How the render child loads revision files (render/stand_in) and when it is started (cli)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_guard.cli import renders_offline
from tests.projects import add_revision, make_project, run_cli


def _history_with_marking_ancestor(root: Path) -> Path:
    """a1 → b2 → c3, where importing b2 leaves a marker file behind."""
    make_project(root)
    marker = root / "b2-was-imported"
    add_revision(root, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))")
    b2 = add_revision(root, "b2", "a1", upgrade="op.add_column('t', sa.Column('x', sa.Integer()))")
    b2.write_text(
        b2.read_text().replace(
            "import sqlalchemy as sa\n",
            f"import sqlalchemy as sa\nopen({str(marker)!r}, 'w').close()\n",
        )
    )
    add_revision(root, "c3", "b2", upgrade='op.execute("DELETE FROM audit_log")')
    return marker


def test_a_revision_that_is_not_rendered_is_not_imported(tmp_path: Path) -> None:
    marker = _history_with_marking_ancestor(tmp_path)
    result = run_cli(tmp_path, "--format", "json", "lint", "c3")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["revisions"] == ["c3"]
    assert [f["rule"] for f in report["findings"]] == ["audit-log-delete", "whole-table-update"]
    assert not marker.exists()  # Alembic's map got b2's identifiers without importing it

    result = run_cli(tmp_path, "--format", "json", "lint", "--all")
    assert result.returncode == 1, result.stderr
    assert marker.exists()  # rendered, so imported
    assert json.loads(result.stdout)["revisions"] == ["a1", "b2", "c3"]


def test_computed_identifiers_are_imported_as_alembic_would(tmp_path: Path) -> None:
    """branch_labels that are not a literal: Alembic must import the file to know them."""
    marker = _history_with_marking_ancestor(tmp_path)
    b2 = tmp_path / "migrations" / "versions" / "b2.py"
    b2.write_text(b2.read_text().replace("branch_labels = None", "branch_labels = tuple()"))
    result = run_cli(tmp_path, "--format", "json", "lint", "c3")
    assert result.returncode == 1, result.stderr
    assert marker.exists()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["lint", "--all"], True),
        (["check"], True),
        (["--format", "json", "--project", "x", "lint", "head"], True),
        (["--format=json", "--no-color", "check", "--base", "main"], True),
        (["lint", "--sql", "f.sql"], False),
        (["lint", "--runner", "docker"], False),
        (["check", "--runner=docker"], False),
        (["lint", "--help"], False),
        (["heads"], False),
        (["--unknown", "lint"], False),
        (["--format"], False),
        ([], False),
    ],
)
def test_the_render_child_starts_first_only_for_a_plain_offline_render(
    words: list[str], expected: bool
) -> None:
    assert renders_offline(words) is expected
