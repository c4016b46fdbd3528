"""Lint from execution: a revision that cannot be rendered offline is run instead.

A revision that reads the database in ``upgrade()`` (``op.get_bind().execute(...)``,
``sa.inspect(op.get_bind())``) has no offline SQL, and was left unjudged. It is run on the
throwaway PostgreSQL the way ``trace`` runs revisions (the template at its parent, a pinned
child, the application's database never opened: :func:`migration_guard.trace.pipeline.trace_revisions`,
reused, not copied), and the lint rules judge the SQL it executed, mapped to the same ``op.``
lines. Those findings say so: the message ends with :data:`SUFFIX`, the JSON carries
``judged_from: "execution"`` and SARIF a ``judgedFrom`` property. Only what lint judges is
kept (the lint rules, and ``table-rewrite``, the observed fact that replaces lint's rewrite
guesses on an executed line); reversibility is ``trace``'s business.

A revision that fails both ways is not judged: the caller reports it ``render-failed`` with
both causes (:attr:`Executed.failed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from migration_guard.errors import GuardError
from migration_guard.findings import Finding

if TYPE_CHECKING:
    from migration_guard.graph.model import RevisionGraph
    from migration_guard.project.opened import Project
    from migration_guard.trace_results import TraceEntry

EXECUTION = "execution"
SUFFIX = " (judged from execution: not renderable offline)"
KEPT_TRACE_RULES = frozenset({"table-rewrite"})
"""Trace facts kept in lint's judgement: the observation that replaces a static guess."""


@dataclass(frozen=True)
class Executed:
    """Per revision: its findings and SQL when it ran, or why it could not run (and where)."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)
    failed: dict[str, tuple[str, int | None]] = field(default_factory=dict)


def lint_from_execution(project: Project, graph: RevisionGraph, revisions: list[str]) -> Executed:
    """Run ``revisions`` on a throwaway PostgreSQL and lint what each one executed."""
    from migration_guard.runners.progress import progress
    from migration_guard.trace.pipeline import trace_revisions

    executed = Executed()
    if not revisions:
        return executed
    progress(
        f"migration-guard: {len(revisions)} revision(s) cannot be rendered offline: "
        "running them on a throwaway PostgreSQL to lint what they execute"
    )
    try:
        results = [trace_revisions(project, graph, revisions, say=progress)]
    except GuardError as error:
        for revision in revisions:
            executed.failed[revision] = (f"it could not be run on PostgreSQL: {error}", None)
        return executed
    # One job runs them in order on one database; one whose parent it could not reach again
    # (an earlier revision's downgrade left something behind) gets a database of its own.
    for revision, reason in results[0].skipped:
        try:
            alone = trace_revisions(project, graph, [revision], say=progress)
        except GuardError as error:
            executed.failed[revision] = (f"it could not be run on PostgreSQL: {error}", None)
            continue
        results.append(alone)
        for _, why in alone.skipped:
            executed.failed[revision] = (f"its parent could not be reached: {why or reason}", None)
    for result in results:
        for entry in result.trace:
            _judge(executed, entry, [f for f in result.findings if f.revision == entry.revision])
    for revision in revisions:
        if revision not in executed.findings and revision not in executed.failed:
            executed.failed[revision] = ("it was not run", None)
    return executed


def _judge(executed: Executed, entry: TraceEntry, findings: list[Finding]) -> None:
    """One traced revision: its lint findings and SQL, or why its upgrade failed."""
    from migration_guard.rules import TRACE_RULE_IDS

    revision = entry.revision
    if entry.upgrade != "ok":
        executed.failed[revision] = _upgrade_failure(findings)
        return
    executed.findings[revision] = [
        replace(finding, message=finding.message + SUFFIX, judged_from=EXECUTION)
        for finding in findings
        if finding.rule not in TRACE_RULE_IDS or finding.rule in KEPT_TRACE_RULES
    ]
    executed.sql[revision] = "\n\n".join(
        statement.sql.rstrip().rstrip(";") + ";" for statement in entry.statements
    )


def _upgrade_failure(findings: list[Finding]) -> tuple[str, int | None]:
    """PostgreSQL's error and the line of the failing ``op.`` call, from ``upgrade-failed``."""
    for finding in findings:
        if finding.rule == "upgrade-failed":
            text = finding.message.split(" failed: ", 1)[-1]
            # a frame of code Alembic generated says nothing: the finding's line is the place
            text = re.sub(r" \(<[^>]*>:\d+\)$", "", text)
            return f"its upgrade failed on PostgreSQL: {text}", finding.line
    return "its upgrade failed on PostgreSQL", None
