"""The JSON reporter: the contract's shapes and key order, indented by two."""

from __future__ import annotations

import json

import pytest

from migration_guard.findings import Report
from migration_guard.report import render_report
from tests.report_samples import REPORTS, SAMPLE, assert_snapshot


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_json_snapshot(name: str) -> None:
    assert_snapshot(f"json-{name}.json", render_report(REPORTS[name], "json", color=False))


@pytest.mark.parametrize(
    ("command", "keys"),
    [
        ("lint", ["findings", "revisions"]),
        ("heads", ["heads", "problems"]),
        ("check", ["heads", "problems", "findings", "revisions"]),
    ],
)
def test_json_top_level_keys_follow_the_contract(command: str, keys: list[str]) -> None:
    document = json.loads(render_report(Report(command), "json", color=True))
    assert list(document) == keys


def test_json_finding_keys_in_contract_order() -> None:
    document = json.loads(render_report(SAMPLE, "json", color=False))
    assert list(document["findings"][0]) == [
        "rule",
        "severity",
        "revision",
        "path",
        "line",
        "message",
        "statement",
    ]
    assert list(document["problems"][0]) == ["code", "message", "revisions", "path"]


def test_json_is_indented_by_two_and_ends_with_newline() -> None:
    out = render_report(SAMPLE, "json", color=False)
    assert out.endswith("}\n")
    assert out.splitlines()[1].startswith('  "heads"')


def test_trace_entries_have_exactly_the_contracts_keys() -> None:
    from migration_guard.trace_results import ExecutedStatement, HeldLock, TraceEntry

    statement = ExecutedStatement(
        "ALTER TABLE t ADD COLUMN c int",
        9,
        locks=(HeldLock("t", "AccessExclusiveLock"),),
        rewrites=("t",),
        not_valid=("t.ck",),
        ms=1.5,
    )
    entry = TraceEntry("r1", "v/r1.py", "ok", "not-reversible", ("t",), (statement,), ("r0",))
    (document,) = json.loads(render_report(Report("trace", trace=(entry,)), "json", color=False))[
        "trace"
    ]
    assert document == {
        "revision": "r1",
        "path": "v/r1.py",
        "upgrade": "ok",
        "downgrade": "not-reversible",
        "seeded_tables": ["t"],
        "statements": [
            {
                "sql": "ALTER TABLE t ADD COLUMN c int",
                "path": "v/r1.py",
                "line": 9,
                "locks": [{"relation": "t", "mode": "AccessExclusiveLock"}],
                "rewrites": ["t"],
                "ms": 1.5,
            }
        ],
    }
