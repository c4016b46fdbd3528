"""The engine's public API: settings, severities, lines from op. calls, suppressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_guard.config.pyproject import Config
from migration_guard.errors import ConfigError
from migration_guard.lint.engine import (
    MigrationSource,
    RuleSettings,
    SourceStatement,
    lint_migration,
    migrations_from_sql_text,
)

REVISION = '''"""add status

Revision ID: b2
Revises: a1
"""
from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("orders", sa.Column("status", sa.String(20), nullable=False))
    op.execute("DROP TABLE legacy; DROP TABLE older")
'''


def _migration(source_text: str = REVISION, **changes: object) -> MigrationSource:
    statements = (
        SourceStatement("ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL", 14),
        SourceStatement("DROP TABLE legacy; DROP TABLE older", 15),
    )
    fields: dict[str, object] = {
        "revision": "b2",
        "path": "versions/b2_add_status.py",
        "statements": statements,
        "source_text": source_text,
    }
    fields.update(changes)
    return MigrationSource(**fields)  # type: ignore[arg-type]


def _ids(findings: list) -> list[tuple[str, int | None]]:  # type: ignore[type-arg]
    return [(finding.rule, finding.line) for finding in findings]


def test_findings_point_at_the_op_line() -> None:
    findings = lint_migration(_migration(), RuleSettings())
    assert _ids(findings) == [
        ("not-null-without-default", 14),
        ("drop-table", 15),
        ("drop-table", 15),
    ]
    first = findings[0]
    assert first.severity == "error"
    assert first.revision == "b2"
    assert first.path == "versions/b2_add_status.py"
    assert "`orders.status`" in first.message
    assert first.statement == "ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL"
    assert first.help


def test_unknown_line_falls_back_to_line_one() -> None:
    migration = _migration(statements=(SourceStatement("DROP TABLE legacy", None),))
    assert _ids(lint_migration(migration, RuleSettings())) == [("drop-table", 1)]


def test_disable_and_severity_from_config() -> None:
    config = Config(
        root=Path("."),
        disable=("drop-table",),
        severity={"not-null-without-default": "warning"},
    )
    findings = lint_migration(_migration(), RuleSettings.from_config(config))
    assert [(f.rule, f.severity) for f in findings] == [("not-null-without-default", "warning")]


@pytest.mark.parametrize("key", ["disable", "severity"])
def test_unknown_rule_id_in_config_names_the_key(key: str) -> None:
    value: object = ("no-such-rule",) if key == "disable" else {"no-such-rule": "error"}
    config = Config(root=Path("."), **{key: value})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=rf"{key}.*no-such-rule"):
        RuleSettings.from_config(config)


def test_suppression_on_the_op_line() -> None:
    text = REVISION.replace(
        'op.execute("DROP TABLE legacy; DROP TABLE older")',
        'op.execute("DROP TABLE legacy; DROP TABLE older")  '
        "# migration-guard: ignore[drop-table] both empty since v3",
    )
    assert _ids(lint_migration(_migration(text), RuleSettings())) == [
        ("not-null-without-default", 14)
    ]


def test_suppression_on_the_line_above_with_several_ids() -> None:
    text = REVISION.replace(
        "    op.add_column(",
        "    # migration-guard: ignore[not-null-without-default, drop-table] table is empty\n"
        "    op.add_column(",
    )
    statements = (
        SourceStatement("ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL", 15),
        SourceStatement("DROP TABLE legacy", 16),
    )
    findings = lint_migration(_migration(text, statements=statements), RuleSettings())
    assert _ids(findings) == [("unused-suppression", 14), ("drop-table", 16)]
    assert "`drop-table`" in findings[0].message


def test_file_level_suppression_after_the_docstring() -> None:
    text = REVISION.replace(
        '"""\nfrom alembic',
        '"""\n# migration-guard: ignore[drop-table] retired tables\nfrom alembic',
    )
    findings = lint_migration(_migration(text), RuleSettings())
    assert _ids(findings) == [("not-null-without-default", 14)]


def test_suppression_in_the_body_is_not_file_level() -> None:
    text = REVISION.replace(
        "def upgrade():", "# migration-guard: ignore[drop-table] retired\ndef upgrade():"
    )
    rules = [finding.rule for finding in lint_migration(_migration(text), RuleSettings())]
    assert rules.count("drop-table") == 2
    assert "unused-suppression" in rules


def test_suppression_inside_a_string_is_not_a_comment() -> None:
    text = REVISION.replace(
        '"DROP TABLE legacy; DROP TABLE older"',
        '"DROP TABLE legacy; DROP TABLE older -- # migration-guard: ignore[drop-table] x"',
    )
    rules = [finding.rule for finding in lint_migration(_migration(text), RuleSettings())]
    assert rules.count("drop-table") == 2


def test_suppression_of_a_disabled_rule_is_not_reported() -> None:
    text = REVISION.replace(
        "def upgrade():", "def upgrade():  # migration-guard: ignore[rename-table]"
    )
    settings = RuleSettings(disabled=frozenset({"rename-table"}))
    findings = lint_migration(_migration(text), settings)
    assert "unused-suppression" not in [finding.rule for finding in findings]
    assert "suppression-without-reason" in [finding.rule for finding in findings]


def test_sql_file_blocks_carry_revision_and_file_lines() -> None:
    text = (Path(__file__).parent / "fixtures" / "alembic" / "upgrade_head.sql").read_text()
    migrations = migrations_from_sql_text(text, "upgrade.sql")
    assert [m.revision for m in migrations] == ["a1", "c3", "b2", "d4"]
    findings = [f for m in migrations for f in lint_migration(m, RuleSettings())]
    assert [(f.rule, f.revision, f.line) for f in findings] == [
        ("not-null-without-default", "b2", 26),
        ("audit-log-delete", "b2", 34),
    ]
    assert all(f.path == "upgrade.sql" for f in findings)


def test_bookkeeping_is_ignored_in_op_statements_too() -> None:
    migration = _migration(
        statements=(
            SourceStatement("DELETE FROM alembic_version WHERE version_num = 'a1'", 3),
            SourceStatement("CREATE TABLE alembic_version (version_num VARCHAR(32))", 4),
        )
    )
    settings = RuleSettings(protected_tables=("alembic_version",))
    assert lint_migration(migration, settings) == []


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE orders ADD COLUMN id SERIAL PRIMARY KEY;",
        "ALTER TABLE orders ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
    ],
)
def test_auto_increment_primary_key_is_one_finding(sql: str) -> None:
    # one statement, one risk (the rewrite and the index build under one ACCESS EXCLUSIVE):
    # auto-increment-column, the most specific rule, reports it alone
    (migration,) = migrations_from_sql_text(sql, "m.sql")
    findings = lint_migration(migration, RuleSettings())
    assert [(finding.rule, finding.line) for finding in findings] == [("auto-increment-column", 1)]
