"""Our rules against squawk's where both have the rule (the table in docs/squawk.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_guard.lint.engine import RuleSettings
from migration_guard.rules import RULE_IDS
from tests.rules.helpers import lint_sql

ROOT = Path(__file__).parents[2]
CASES = yaml.safe_load((Path(__file__).parent / "squawk_cases.yaml").read_text())
_ROW = re.compile(r"^\| `([a-z-]+)` \| (.+?) \|", re.MULTILINE)
# Aliases squawk expands itself; their cases are those of the rules they stand for.
_ALIASES = {"require-timeout-settings", "unused-ignore"}


def _mapping() -> dict[str, tuple[str, ...]]:
    table = (ROOT / "docs" / "squawk.md").read_text()
    return {
        squawk: tuple(re.findall(r"`([a-z-]+)`", ours))
        for squawk, ours in _ROW.findall(table)
        if squawk != "squawk rule"
    }


def _squawk() -> str:
    found = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    if not Path(found).exists():
        pytest.fail("squawk (squawk-cli, a dev dependency) is not installed")
    return found


def _squawk_verdicts(tmp_path: Path, cases: list[tuple[str, str]]) -> dict[int, set[str]]:
    """Squawk's rule names per case, all cases in one run (one file each)."""
    paths = []
    for number, (_, sql) in enumerate(cases):
        path = tmp_path / f"case{number}.sql"
        path.write_text(sql + "\n")
        paths.append(str(path))
    included = ",".join(sorted({rule for rule, _ in cases}))
    result = subprocess.run(
        [_squawk(), "--reporter", "json", f"--include={included}", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    found: dict[int, set[str]] = {number: set() for number in range(len(cases))}
    for violation in json.loads(result.stdout or "[]"):
        number = int(Path(violation["file"]).stem.removeprefix("case"))
        found[number].add(violation["rule_name"])
    return found


def test_table_names_real_rules_and_every_mapped_rule_has_cases() -> None:
    mapping = _mapping()
    assert len(mapping) >= 38
    with_cases = {entry["squawk"] for entry in CASES}
    for squawk, ours in mapping.items():
        assert all(rule in RULE_IDS for rule in ours), squawk
        if ours and squawk not in _ALIASES:
            assert squawk in with_cases, f"{squawk}: no differential cases"
    assert with_cases <= set(mapping)


def test_squawk_and_we_agree_where_both_have_the_rule(tmp_path: Path) -> None:
    mapping = _mapping()
    cases: list[tuple[str, str]] = []
    expected: list[dict[str, Any]] = []
    for entry in CASES:
        for case in entry["cases"]:
            cases.append((entry["squawk"], case["sql"]))
            expected.append(case)
    theirs = _squawk_verdicts(tmp_path, cases)
    every_rule = frozenset(RULE_IDS)
    disagreements = []
    for number, ((squawk_rule, sql), case) in enumerate(zip(cases, expected, strict=True)):
        ours_ids = set(mapping[squawk_rule])
        ours_flag = any(
            finding.rule in ours_ids for finding in lint_sql(sql, RuleSettings(enabled=every_rule))
        )
        squawk_flag = squawk_rule in theirs[number]
        if "differs" in case:
            assert ours_flag != squawk_flag, f"{squawk_rule}: no longer differs on {sql!r}"
            continue
        want = case["verdict"] == "flag"
        if (ours_flag, squawk_flag) != (want, want):
            disagreements.append((squawk_rule, sql, f"ours={ours_flag} squawk={squawk_flag}"))
    assert disagreements == []
