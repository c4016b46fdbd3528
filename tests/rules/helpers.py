"""Lint SQL snippets the way `lint --sql` does and assert on one rule's findings."""

from __future__ import annotations

from migration_guard.findings import Finding
from migration_guard.rules.engine import (
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
