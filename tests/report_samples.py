"""Fixed reports for the reporter snapshot tests, and the snapshot helper."""

from __future__ import annotations

import os
from pathlib import Path

from migration_guard.findings import Finding, Problem, Report, RuleInfo

SNAPSHOTS = Path(__file__).parent / "snapshots"

RULES = (
    RuleInfo(
        "not-null-without-default",
        "error",
        "A NOT NULL column added to an existing table without a default.",
        "Add the column nullable, backfill it, then set NOT NULL.",
    ),
    RuleInfo(
        "index-not-concurrent",
        "warning",
        "An index built on an existing table without CONCURRENTLY.",
        "Use `op.create_index(..., postgresql_concurrently=True)` in an autocommit block.",
    ),
)

SAMPLE = Report(
    command="check",
    heads=("a1b2c3d4e5f6", "0f9e8d7c6b5a"),
    problems=(
        Problem(
            code="multiple-heads",
            message="2 heads, at most 1 allowed: `a1b2c3d4e5f6`, `0f9e8d7c6b5a`.",
            revisions=("a1b2c3d4e5f6", "0f9e8d7c6b5a"),
            path="backend/alembic/versions/0f9e8d7c6b5a_add_tags.py",
            line=1,
            help="Run `alembic merge heads` or rebase the branch.",
        ),
    ),
    findings=(
        Finding(
            rule="not-null-without-default",
            severity="error",
            message="Column `users.tenant_id` is added NOT NULL without a default.",
            revision="a1b2c3d4e5f6",
            path="backend/alembic/versions/a1b2c3d4e5f6_tenant.py",
            line=21,
            statement="ALTER TABLE users ADD COLUMN tenant_id INTEGER NOT NULL",
            help="Add the column nullable, backfill it, then set NOT NULL.",
        ),
        Finding(
            rule="index-not-concurrent",
            severity="warning",
            message="Index `ix_users_email` on `users` | built without CONCURRENTLY.",
            revision="a1b2c3d4e5f6",
            path="backend/alembic/versions/a1b2c3d4e5f6_tenant.py",
            line=27,
            statement="CREATE INDEX ix_users_email\n    ON users (email)",
            help="",
        ),
    ),
    revisions=("a1b2c3d4e5f6", "0f9e8d7c6b5a"),
    sql=(
        (
            "a1b2c3d4e5f6",
            "ALTER TABLE users ADD COLUMN tenant_id INTEGER NOT NULL;\n\n"
            "CREATE INDEX ix_users_email ON users (email);\n\n"
            "UPDATE alembic_version SET version_num='a1b2c3d4e5f6';\n",
        ),
        ("0f9e8d7c6b5a", "CREATE TABLE tags (id SERIAL NOT NULL, PRIMARY KEY (id));\n"),
    ),
    rules=RULES,
)

EMPTY = Report(command="check")
"""A report with nothing in it: every reporter must still say so."""

REPORTS = {"sample": SAMPLE, "empty": EMPTY}


def assert_snapshot(name: str, actual: str) -> None:
    """Compare with ``tests/snapshots/NAME``; ``UPDATE_SNAPSHOTS=1`` rewrites the file."""
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its snapshot; UPDATE_SNAPSHOTS=1 to accept"
