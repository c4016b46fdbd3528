"""trace's rules go through the engine as every rule does: severity, ``disable``, suppressions."""

from __future__ import annotations

from migration_guard.lint.engine import RuleSettings
from tests.rules.helpers import TRACED_SOURCE, judge_traced

REWRITE = {
    "revision": "r1",
    "upgrade": "ok",
    "downgrade": "ok",
    "statements": [
        {
            "sql": "ALTER TABLE orders ALTER COLUMN amount TYPE BIGINT",
            "line": 9,
            "locks": [{"relation": "orders", "mode": "AccessExclusiveLock"}],
            "rewrites": ["orders"],
        }
    ],
}


def test_a_configured_severity_applies_to_a_trace_rule() -> None:
    settings = RuleSettings(severity_overrides=(("table-rewrite", "error"),))
    (finding,) = [f for f in judge_traced(REWRITE, settings=settings) if f.rule == "table-rewrite"]
    assert (finding.severity, finding.line) == ("error", 9)
    (default,) = [f for f in judge_traced(REWRITE) if f.rule == "table-rewrite"]
    assert default.severity == "warning"


def test_a_disabled_trace_rule_reports_nothing() -> None:
    settings = RuleSettings(disabled=frozenset({"table-rewrite"}))
    assert [f.rule for f in judge_traced(REWRITE, settings=settings)] == []
    assert [f.rule for f in judge_traced(REWRITE)] == ["table-rewrite"]


def test_a_suppression_without_reason_is_a_warning_for_trace_rules_too() -> None:
    source = TRACED_SOURCE.replace(
        '    op.execute("ALTER TABLE orders ADD COLUMN status TEXT")',
        '    op.execute("ALTER TABLE orders ADD COLUMN status TEXT")  # migration-guard: ignore[table-rewrite]',
    )
    found = [(f.rule, f.line, f.message) for f in judge_traced(REWRITE, source)]
    assert found == [
        ("suppression-without-reason", 9, "Suppression of `table-rewrite` gives no reason.")
    ]


def test_the_observed_rewrite_replaces_lints_guess_on_the_same_line() -> None:
    # column-type-change guesses a rewrite from the SQL; trace saw it, so only table-rewrite
    assert [f.rule for f in judge_traced(REWRITE)] == ["table-rewrite"]
    no_rewrite = {**REWRITE, "statements": [{**REWRITE["statements"][0], "rewrites": []}]}
    assert [f.rule for f in judge_traced(no_rewrite)] == []


def test_a_run_crosses_the_process_boundary_unchanged() -> None:
    from migration_guard.trace_results import RevisionRun

    run = RevisionRun.from_json(
        {**REWRITE, "downgrade": "not-reversible", "left_behind": ["x"], "line": 4, "error": "e"}
    )
    assert RevisionRun.from_json(run.to_json()) == run
    assert run.statements[0].locks[0].mode == "AccessExclusiveLock" and run.left_behind == ("x",)
