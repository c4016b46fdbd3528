"""``lint [REV…] [--all | --base REF | --staged] [--sql FILE…]``: render offline and lint."""

from __future__ import annotations

from contextlib import nullcontext

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError
from migration_guard.findings import Report
from migration_guard.lint.pipeline import (
    LintResult,
    lint_revisions,
    lint_sql_files,
    local_renderer,
    rule_infos,
)
from migration_guard.lint.selection import select_revisions
from migration_guard.project.opened import open_project


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    if arguments.sql:
        if arguments.revisions:
            raise InputError("give revisions or --sql files, not both")
        result = lint_sql_files(invocation.project, list(arguments.sql), None)
    else:
        from migration_guard.hook.reported import already_reported, record_reported, skipped_line

        staged = bool(getattr(arguments, "staged", False))
        by = already_reported(invocation.project, "lint") if staged else None
        if by:
            return reported_elsewhere(invocation, skipped_line("lint", by), Report(command="lint"))
        project = open_project(invocation.project, invocation.arguments.runner)
        with local_renderer(project, invocation.renderer) or nullcontext() as renderer:
            graph = project.graph()
            revisions = select_revisions(project, graph, arguments)
            result = lint_revisions(project, graph, revisions, renderer)
        if staged:
            record_reported(invocation.project, "lint", "migration-guard lint --staged")
    base = None if arguments.sql else getattr(arguments, "base", None)
    invocation.emit(lint_report(result), changed_since=base)
    return lint_exit_code(result)


def reported_elsewhere(invocation: Invocation, line: str, empty: Report) -> int:
    """An earlier hook of this pre-commit run reported it: one line (and the empty report of a
    document format, so stdout still parses)."""
    import sys

    from migration_guard.untrusted import terminal_block

    line = terminal_block(line)
    if invocation.format == "text":
        print(line)
    else:
        print(line, file=sys.stderr)
        invocation.emit(empty)
    return exit_codes.OK


def lint_report(result: LintResult) -> Report:
    return Report(
        command="lint",
        findings=result.findings,
        revisions=result.revisions,
        sql=result.sql,
        rules=rule_infos(),
    )


def lint_exit_code(result: LintResult) -> int:
    failed = any(finding.severity == "error" for finding in result.findings)
    return exit_codes.FINDINGS if failed else exit_codes.OK
