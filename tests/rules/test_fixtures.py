"""Every rule against its fixture file: flagged cases must flag, clean cases must not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_guard.findings import Finding
from migration_guard.lint.engine import RuleSettings
from migration_guard.rules import ALL_RULES, documentation
from tests.rules.helpers import assert_clean, assert_flags, judge_traced, revision_findings

FIXTURES = Path(__file__).parent / "fixtures"
HEADINGS = ("What it flags", "Why it hurts", "Do this instead")


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def _cases() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        document = _load(path)
        for expected in ("flagged", "clean"):
            for case in document.get(expected, []):
                cases.append(
                    pytest.param(
                        document["rule"],
                        expected,
                        case,
                        id=f"{document['rule']}-{expected}-{case['name']}",
                    )
                )
    return cases


def _settings(rule: str, case: dict[str, Any]) -> RuleSettings:
    """The case's settings, with the rule under test switched on (opt-in rules too)."""
    values: dict[str, Any] = {}
    for key, value in case.get("settings", {}).items():
        values[key] = value if key == "pg_version" else tuple(value)
    return RuleSettings(enabled=frozenset({rule}), **values)


def _traced(rule: str, case: dict[str, Any]) -> list[Finding]:
    """A traced case: the rule's findings among every rule's on the reported run."""
    found = judge_traced(case["trace"], case.get("source"), _settings(rule, case))
    return [finding for finding in found if finding.rule == rule]


@pytest.mark.parametrize(("rule", "expected", "case"), _cases())
def test_fixture(rule: str, expected: str, case: dict[str, Any]) -> None:
    if "revision" in case:
        # a revision file's text, for the rules that read it with ast
        found = revision_findings(case["revision"], rule, _settings(rule, case))
        pinned = [(item["line"], item["message"]) for item in case.get("findings", [])]
        assert [(finding.line, finding.message) for finding in found] == pinned
        assert bool(found) == (expected == "flagged")
        return
    if "trace" in case:
        found = _traced(rule, case)
        assert bool(found) == (expected == "flagged"), [f.message for f in found]
        if "findings" in case:
            pinned = [(item["line"], item["message"]) for item in case["findings"]]
            assert [(finding.line, finding.message) for finding in found] == pinned
    elif expected == "flagged":
        found = assert_flags(case["sql"], rule, _settings(rule, case))
        if "findings" in case:
            # pinned: how many findings, on which lines, saying what
            pinned = [(item["line"], item["message"]) for item in case["findings"]]
            assert [(finding.line, finding.message) for finding in found] == pinned
    else:
        assert_clean(case["sql"], rule, _settings(rule, case))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_rule_is_documented(rule: Any) -> None:
    doc = documentation(rule)
    for heading in HEADINGS:
        assert f"\n{heading}\n" in f"\n{doc}\n", f"{rule.id}: no '{heading}' heading"
    assert "op." in doc.split("Do this instead", 1)[1], f"{rule.id}: no Alembic op. example"
    assert rule.summary and rule.help and rule.severity in ("error", "warning")


# trace's rules judge what PostgreSQL did: their cases are the trace child's reports (and real
# revisions on a real server in tests/test_trace_command.py)
@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.id != "render-failed"], ids=lambda rule: rule.id
)
def test_rule_has_fixtures(rule: Any) -> None:
    path = FIXTURES / f"{rule.id}.yaml"
    assert path.is_file(), f"{rule.id}: no fixture file {path.name}"
    document = _load(path)
    assert document["rule"] == rule.id
    assert document.get("flagged"), f"{rule.id}: no flagged cases"
    assert document.get("clean"), f"{rule.id}: no clean cases"


def test_every_fixture_names_a_registered_rule() -> None:
    ids = {rule.id for rule in ALL_RULES}
    for path in FIXTURES.glob("*.yaml"):
        assert _load(path)["rule"] in ids, path.name
