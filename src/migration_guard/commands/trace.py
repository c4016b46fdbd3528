"""``trace [REV… | --all | --base REF] [--seed]``: run revisions on a throwaway PostgreSQL."""

from __future__ import annotations

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.findings import Report
from migration_guard.lint.pipeline import rule_infos
from migration_guard.lint.selection import select_revisions
from migration_guard.project.opened import open_project
from migration_guard.runners.progress import progress
from migration_guard.trace.pipeline import TraceResult, trace_revisions


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    project = open_project(invocation.project, arguments.runner)
    graph = project.graph()
    revisions = select_revisions(project, graph, arguments)
    seed = True if arguments.seed else project.config.trace_seed
    result = trace_revisions(project, graph, revisions, seed=seed, say=progress)
    for revision, reason in result.skipped:
        progress(f"  not traced: {revision}: could not reach its parent ({reason})")
    invocation.emit(trace_report(result))
    return trace_exit_code(result)


def trace_report(result: TraceResult) -> Report:
    return Report(
        command="trace",
        findings=result.findings,
        revisions=result.revisions,
        rules=rule_infos(),
        trace=result.trace,
    )


def trace_exit_code(result: TraceResult) -> int:
    failed = any(finding.severity == "error" for finding in result.findings)
    return exit_codes.FINDINGS if failed else exit_codes.OK
