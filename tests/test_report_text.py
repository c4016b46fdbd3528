"""The text reporter: snapshots, colour only when asked, the closing summary line."""

from __future__ import annotations

import pytest

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import render_report
from tests.report_samples import EMPTY, REPORTS, SAMPLE, assert_snapshot


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_text_snapshot(name: str) -> None:
    assert_snapshot(f"text-{name}.txt", render_report(REPORTS[name], "text", color=False))


def test_text_color_snapshot() -> None:
    assert_snapshot("text-sample-color.txt", render_report(SAMPLE, "text", color=True))


def test_no_escape_codes_without_color() -> None:
    assert "\033[" not in render_report(SAMPLE, "text", color=False)


def test_color_changes_nothing_but_escape_codes() -> None:
    import re

    colored = render_report(SAMPLE, "text", color=True)
    assert "\033[" in colored
    assert re.sub(r"\033\[[0-9;]*m", "", colored) == render_report(SAMPLE, "text", color=False)


def test_finding_line_format() -> None:
    out = render_report(SAMPLE, "text", color=False)
    assert (
        "backend/alembic/versions/a1b2c3d4e5f6_tenant.py:21: error [not-null-without-default] "
        "Column `users.tenant_id` is added NOT NULL without a default.\n"
        "    ALTER TABLE users ADD COLUMN tenant_id INTEGER NOT NULL\n"
        "    help: Add the column nullable, backfill it, then set NOT NULL.\n"
    ) in out


def test_empty_report_says_no_problems() -> None:
    assert render_report(EMPTY, "text", color=False).splitlines()[-1] == "no problems"
    lint = Report(command="lint", revisions=("a", "b", "c"))
    assert render_report(lint, "text", color=False) == "no problems in 3 revisions\n"


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (Report("lint", findings=(Finding("r", "warning", "m"),)), "1 warning"),
        (Report("lint", findings=(Finding("r", "error", "m"),) * 2), "2 errors"),
        (
            Report("check", problems=(Problem("cycle", "m"),), revisions=("a",)),
            "1 error in 1 revision",
        ),
    ],
)
def test_summary_line_counts(report: Report, expected: str) -> None:
    assert render_report(report, "text", color=False).splitlines()[-1] == expected


def test_lint_report_lists_no_heads() -> None:
    out = render_report(Report("lint", revisions=("a",)), "text", color=False)
    assert "heads" not in out


def test_finding_without_location_still_renders() -> None:
    report = Report("lint", findings=(Finding("render-failed", "warning", "env.py failed"),))
    first = render_report(report, "text", color=False).splitlines()[0]
    assert first == "<unknown>: warning [render-failed] env.py failed"
