"""``lint [REV…] [--all | --base REF | --staged] [--sql FILE…]``: render offline and lint."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError
from migration_guard.findings import Report
from migration_guard.graph.model import RevisionGraph
from migration_guard.lint.pipeline import (
    LintResult,
    lint_revisions,
    lint_sql_files,
    local_renderer,
    rule_infos,
)
from migration_guard.project.opened import Project, open_project


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


def select_revisions(project: Project, graph: RevisionGraph, arguments: object) -> list[str]:
    """The revisions named on the command line, added since a base, staged, or all of them."""
    names: list[str] = list(getattr(arguments, "revisions", []) or [])
    base: str | None = getattr(arguments, "base", None)
    if names:
        return [rev for name in names for rev in resolve_revision(graph, name)]
    if base:
        from migration_guard.graph.base import compare_with_base

        return list(compare_with_base(graph, project.alembic, project.root, base).new_revisions)
    if getattr(arguments, "staged", False):
        return staged_revisions(project, graph)
    return list(graph.revisions)


def resolve_revision(graph: RevisionGraph, name: str) -> list[str]:
    """A full id, a branch label, ``head``/``heads``, or an unambiguous id prefix, as Alembic takes them."""
    if name == "heads" or (name == "head" and len(graph.heads) == 1):
        return list(graph.heads)
    if name == "head":
        raise InputError(
            f"'head' is ambiguous: {len(graph.heads)} heads ({', '.join(graph.heads)})"
        )
    resolved = graph.resolve(name)
    if resolved is not None:
        return [resolved]
    matches = [rev for rev in graph.revisions if rev.startswith(name)]
    if len(matches) == 1:
        return matches
    if matches:
        raise InputError(f"revision {name!r} is ambiguous: {', '.join(matches)}")
    raise InputError(f"no revision {name!r} in the history")


def staged_revisions(project: Project, graph: RevisionGraph) -> list[str]:
    """Revisions whose files are added or modified in the git index."""
    from migration_guard.git.repo import fs_name, git, names, top_level

    top = top_level(project.root)
    staged = names(git(top, "diff", "--cached", "--name-only", "--diff-filter=AM", "-z"))
    return revisions_at(project, graph, {(top / fs_name(name)).resolve() for name in staged})


def revisions_at(project: Project, graph: RevisionGraph, paths: set[Path]) -> list[str]:
    """The revisions whose files are ``paths`` (absolute, resolved)."""
    return [
        rev
        for rev, file in graph.revisions.items()
        if (project.root / file.path).resolve() in paths
    ]
