"""Lint SQL snippets the way `lint --sql` does, or judge a traced revision the way `trace`
does, and assert on one rule's findings."""

from __future__ import annotations

from typing import Any

from migration_guard.findings import Finding
from migration_guard.lint.engine import (
    MigrationSource,
    RuleSettings,
    lint_migrations,
    migrations_from_sql_text,
)


def lint_sql(sql: str, settings: RuleSettings | None = None) -> list[Finding]:
    migrations = migrations_from_sql_text(sql, "test.sql")
    return lint_migrations(migrations, settings or RuleSettings())


def findings_of(sql: str, rule: str, settings: RuleSettings | None = None) -> list[Finding]:
    return [finding for finding in lint_sql(sql, settings) if finding.rule == rule]


def assert_flags(sql: str, rule: str, settings: RuleSettings | None = None) -> list[Finding]:
    found = findings_of(sql, rule, settings)
    assert found, f"expected {rule} on:\n{sql}"
    return found


def assert_clean(sql: str, rule: str, settings: RuleSettings | None = None) -> None:
    found = findings_of(sql, rule, settings)
    assert not found, f"unexpected {rule}: {[finding.message for finding in found]}\n{sql}"


def revision_findings(
    source: str, rule: str, settings: RuleSettings | None = None
) -> list[Finding]:
    """One rule's findings on a revision file's text, linted as a revision that rendered no
    SQL (what rules reading the file with ``ast`` see)."""
    migration = MigrationSource(
        revision="r1", path="versions/r1.py", statements=(), source_text=source
    )
    found = lint_migrations([migration], settings or RuleSettings())
    return [finding for finding in found if finding.rule == rule]


TRACED_SOURCE = '''"""step"""
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.execute("ALTER TABLE orders ADD COLUMN status TEXT")


def downgrade():
    op.execute("ALTER TABLE orders DROP COLUMN status")
'''
"""The revision file of a traced case that brings none: ``def downgrade`` on line 12."""


def judge_traced(
    run: dict[str, Any], source: str | None = None, settings: RuleSettings | None = None
) -> list[Finding]:
    """Every rule on one revision as the trace child reported it (``RevisionRun``'s JSON)."""
    from migration_guard.trace.pipeline import judged_run
    from migration_guard.trace_results import RevisionRun

    return judged_run(
        RevisionRun.from_json(run), "r1.py", source or TRACED_SOURCE, settings or RuleSettings()
    )
