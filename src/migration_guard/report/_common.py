"""Helpers every reporter shares: counts, the closing summary line, graph problem titles."""

from __future__ import annotations

from migration_guard.findings import Report

PROBLEM_SUMMARIES: dict[str, str] = {
    "multiple-heads": "The revision graph has more heads than allowed.",
    "missing-parent": "A `down_revision` names a revision that does not exist.",
    "duplicate-revision": "Two migration files declare the same revision id.",
    "cycle": "The revision graph has a cycle.",
    "parse-error": "A migration file cannot be parsed.",
    "not-on-base-head": "A new revision does not descend from the base branch's head.",
    "models-without-migration": "The models differ from the schema their migrations build.",
}
"""One line per graph problem code, for SARIF's rule table and the job summary."""


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def counts(report: Report) -> tuple[int, int]:
    """(errors, warnings); every graph problem counts as an error."""
    errors = len(report.problems) + sum(1 for f in report.findings if f.severity == "error")
    warnings = sum(1 for f in report.findings if f.severity == "warning")
    return errors, warnings


def summary_line(report: Report) -> str:
    """``2 errors, 1 warning in 3 revisions`` or ``no problems in 3 revisions``."""
    errors, warnings = counts(report)
    parts = []
    if errors:
        parts.append(plural(errors, "error"))
    if warnings:
        parts.append(plural(warnings, "warning"))
    text = ", ".join(parts) if parts else "no problems"
    if report.revisions:
        text += f" in {plural(len(report.revisions), 'revision')}"
    if report.incomplete:  # never "no problems" alone when a stage could not run
        text += f"; {plural(len(report.incomplete), 'stage')} not checked"
    return text


def shows_heads(report: Report) -> bool:
    return report.command in ("heads", "check")
