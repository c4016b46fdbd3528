"""`enable`, `pg_version` and the `rules` listing of on-by-default and opt-in rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_guard.rules import ALL_RULES
from tests.projects import run_cli

SQL = "ALTER TABLE orders ADD COLUMN note text;\nREINDEX INDEX ix_orders_c;\n"


def project(root: Path, settings: str) -> Path:
    (root / "pyproject.toml").write_text(f"[tool.migration-guard]\n{settings}")
    (root / "m.sql").write_text(SQL)
    return root


def lint_rules(root: Path) -> list[str]:
    result = run_cli(root, "--format", "json", "lint", "--sql", str(root / "m.sql"))
    assert result.returncode == 0, result.stderr
    return sorted(finding["rule"] for finding in json.loads(result.stdout)["findings"])


def test_opt_in_rule_is_off_until_enabled(tmp_path: Path) -> None:
    assert lint_rules(project(tmp_path, "")) == ["reindex-not-concurrent"]
    enabled = project(tmp_path, 'enable = ["require-lock-timeout", "reindex-not-concurrent"]\n')
    assert lint_rules(enabled) == ["reindex-not-concurrent", "require-lock-timeout"]


def test_pg_version_decides_version_dependent_rules(tmp_path: Path) -> None:
    assert lint_rules(project(tmp_path, "pg_version = 11\n")) == []
    assert lint_rules(project(tmp_path, 'pg_version = "12.4"\n')) == ["reindex-not-concurrent"]


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ('enable = ["no-such-rule"]\n', "enable"),
        ('enable = "require-lock-timeout"\n', "enable"),
        ("pg_version = 9\n", "pg_version"),
        ('pg_version = "latest"\n', "pg_version"),
        ("pg_version = true\n", "pg_version"),
    ],
)
def test_bad_enable_or_pg_version_is_exit_2_naming_the_key(
    tmp_path: Path, settings: str, named: str
) -> None:
    result = run_cli(project(tmp_path, settings), "lint", "--sql", str(tmp_path / "m.sql"))
    assert result.returncode == 2
    assert named in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_rules_lists_default_on_and_opt_in(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--format", "json", "rules")
    rules = json.loads(result.stdout)["rules"]
    assert len(rules) >= 40
    by_id = {rule["id"]: rule for rule in rules}
    assert set(by_id) == {rule.id for rule in ALL_RULES}
    assert by_id["require-lock-timeout"]["default"] == "opt-in"
    assert by_id["prefer-bigint"]["default"] == "opt-in"
    assert by_id["index-not-concurrent"]["default"] == "on"
    assert all(set(rule) == {"id", "severity", "summary", "default"} for rule in rules)

    text = run_cli(tmp_path, "rules").stdout
    line = next(line for line in text.splitlines() if line.startswith("prefer-text "))
    assert "opt-in" in line.split()
    assert "opt-in" in run_cli(tmp_path, "rules", "char-field").stdout.splitlines()[0]
