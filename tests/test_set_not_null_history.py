"""set-not-null across revisions: the check constraint added NOT VALID by an earlier revision,
validated by the linted one, whether the earlier revision is rendered in the run or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.projects import add_revision, make_project, run_cli

VALIDATE_AND_SET = (
    'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_status_nn")\n'
    'op.alter_column("orders", "status", existing_type=sa.Text(), nullable=False)'
)


def _project(root: Path, condition: str) -> None:
    make_project(root)
    add_revision(
        root, "a0", None, upgrade='op.create_table("orders", sa.Column("status", sa.Text()))'
    )
    add_revision(
        root,
        "a1",
        "a0",
        upgrade=(
            f'op.create_check_constraint("orders_status_nn", "orders", "{condition}", '
            "postgresql_not_valid=True)"
        ),
    )
    add_revision(root, "b2", "a1", upgrade=VALIDATE_AND_SET)


def _set_not_null(root: Path, *selection: str) -> list[tuple[str, str]]:
    result = run_cli(root, "--format", "json", "lint", *selection)
    assert "Traceback" not in result.stderr, result.stderr
    findings = json.loads(result.stdout)["findings"]
    return [(f["revision"], f["message"]) for f in findings if f["rule"] == "set-not-null"]


@pytest.mark.parametrize("condition", ["status IS NOT NULL", "NOT (status IS NULL)"])
def test_a_check_validated_here_lets_set_not_null_pass(tmp_path: Path, condition: str) -> None:
    _project(tmp_path, condition)
    assert _set_not_null(tmp_path, "--all") == []
    assert _set_not_null(tmp_path, "b2") == []  # a1 read from its file, not rendered


def test_a_check_on_another_column_does_not(tmp_path: Path) -> None:
    _project(tmp_path, "total IS NOT NULL")
    message = (
        "Column `orders.status` is set NOT NULL, which scans the table under an exclusive lock."
    )
    assert _set_not_null(tmp_path, "--all") == [("b2", message)]
    assert _set_not_null(tmp_path, "b2") == [("b2", message)]
