"""Step 4 of ``new``: lint the new revision, and say what the lint found."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from migration_guard.findings import Finding, Report
from migration_guard.new.outcome import say

if TYPE_CHECKING:
    from migration_guard.project.opened import Project
    from migration_guard.render.offline import Renderer


def lint_new_revision(
    project: Project, revision: str, renderer: Renderer | None = None
) -> tuple[str, tuple[Finding, ...], str]:
    """The revision's upgrade SQL and findings; while the rules are absent, SQL only."""
    from migration_guard.lint.pipeline import lint_revisions

    graph = project.graph()
    try:
        result = lint_revisions(project, graph, [revision], renderer)
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("migration_guard.rules"):
            raise
        from migration_guard.lint.pipeline import render_revisions

        rendered = render_revisions(project, [revision])
        sql = "\n\n".join(s.sql for r in rendered for s in r.statements)
        return sql, (), "the lint rules are not installed in this build: SQL shown unchecked"
    sql = "\n\n".join(text for rev, text in result.sql if rev == revision)
    return sql, result.findings, ""


def say_findings(revision: str, findings: tuple[Finding, ...], note: str) -> None:
    """The findings as ``lint`` prints them, or ``none``, or why there are none."""
    say("\n4. Lint findings:")
    if note:
        say(f"  {note}")
    elif not findings:
        say("  none")
    else:
        from migration_guard.lint.pipeline import rule_infos
        from migration_guard.report import render_report

        report = Report(
            command="lint", findings=findings, revisions=(revision,), rules=rule_infos()
        )
        text = render_report(report, "text", color=False)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
