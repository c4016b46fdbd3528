"""``heads [--base REF]``: the static check of the revision graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migration_guard.check.graph import graph_exit_code, graph_problems
from migration_guard.commands import Invocation
from migration_guard.findings import Report
from migration_guard.project.opened import open_project

if TYPE_CHECKING:
    pass


def run(invocation: Invocation) -> int:
    from migration_guard.hook.reported import already_reported, record_reported, skipped_line

    base = invocation.arguments.base
    by = None if base else already_reported(invocation.project, "heads")
    if by:
        from migration_guard.commands.lint import reported_elsewhere

        return reported_elsewhere(invocation, skipped_line("heads", by), Report(command="heads"))
    project = open_project(invocation.project)
    graph = project.graph()
    comparison = None
    if base:
        from migration_guard.graph.base import compare_with_base

        comparison = compare_with_base(graph, project.alembic, project.root, base)
    problems = graph_problems(project, graph, comparison)
    invocation.emit(Report(command="heads", heads=graph.heads, problems=problems))
    if not base:
        record_reported(invocation.project, "heads", "migration-guard heads")
    return graph_exit_code(problems)
