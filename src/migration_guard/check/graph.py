"""The revision graph's problems as the check reports them: the static ones, too many heads
(with the merge command to run), and against a base, the stale ``down_revision`` of a branch."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.errors import one_line

if TYPE_CHECKING:
    from migration_guard.findings import Problem
    from migration_guard.graph.base import BaseComparison
    from migration_guard.graph.model import RevisionGraph
    from migration_guard.project.opened import Project


def graph_problems(
    project: Project,
    graph: RevisionGraph,
    comparison: BaseComparison | None,
    user_project: Project | None = None,
) -> tuple[Problem, ...]:
    """The graph's problems; a merge is suggested as run in ``user_project`` (default:
    ``project``; the hook checks an export of the index but the user runs it in the work tree)."""
    from migration_guard.project.alembic_command import merge_heads_command

    problems = list(graph.problems)
    merge = merge_heads_command((user_project or project).alembic, graph.heads)
    too_many = graph.multiple_heads_problem(project.config.max_heads, merge)
    if too_many is not None:
        problems.append(too_many)
    if comparison is not None:
        problems = [comparison.explain(problem) for problem in problems]
        problems.extend(comparison.problems)
    return tuple(problems)


def graph_exit_code(problems: tuple[Problem, ...]) -> int:
    """2 when a revision file cannot be read statically (said on stderr too, since stdout may be
    JSON nobody reads), 1 for any other problem, else 0."""
    unreadable = [problem for problem in problems if problem.code == "parse-error"]
    if unreadable:
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        print(f"migration-guard: error: {one_line(unreadable[0].message)}{more}", file=sys.stderr)
        return exit_codes.USAGE
    return exit_codes.FINDINGS if problems else exit_codes.OK
