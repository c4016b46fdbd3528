"""``check [--base REF]``: the pull-request check, ``heads --base`` plus lint of the new revisions.

It fails closed: a revision it could not judge is an error (``render-failed`` at error severity
unless configured or suppressed otherwise), a revision whose upgrade fails during the drift
replay is an ``upgrade-failed`` finding at its line, and a stage that cannot run at all (no
PostgreSQL for drift, say) does not stop the others: the report of everything judged is written
in every output (annotations, summary, SARIF), then the stage's error line and exit code.
"""

from __future__ import annotations

from contextlib import nullcontext

from migration_guard.check.graph import graph_problems
from migration_guard.check.judge import committed_drift, graph_and_lint, stage_error
from migration_guard.commands import Invocation
from migration_guard.errors import GuardError
from migration_guard.git.repo import default_base
from migration_guard.graph.base import compare_with_base
from migration_guard.lint.pipeline import (
    local_renderer,
)
from migration_guard.project.opened import open_project


def run(invocation: Invocation) -> int:
    project = open_project(invocation.project, invocation.arguments.runner)
    base = invocation.arguments.base or project.config.base or default_base(project.root)
    with local_renderer(project, invocation.renderer) or nullcontext() as renderer:
        graph = project.graph()
        comparison = compare_with_base(graph, project.alembic, project.root, base)
        stopped: list[GuardError] = []
        try:
            drift = committed_drift(project, graph)
        except GuardError as error:
            drift = ()
            stopped.append(stage_error("the drift check", error))
        problems = graph_problems(project, graph, comparison) + drift
        new_revisions = list(comparison.new_revisions)
        wants_trace = bool(
            getattr(invocation.arguments, "trace", None)
        ) or project.config.trace in (
            True,
            "hook",
        )
        return graph_and_lint(
            invocation,
            project,
            graph,
            problems,
            new_revisions,
            renderer,
            trace=wants_trace,
            base=base,
            stopped=stopped,
            fail_closed=True,
        )
