"""``check [--base REF]``: the pull-request check, ``heads --base`` plus lint of the new revisions."""

from __future__ import annotations

from contextlib import nullcontext

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.commands.heads import graph_exit_code, graph_problems
from migration_guard.findings import Problem, Report
from migration_guard.gitrepo import default_base
from migration_guard.graph.base import compare_with_base
from migration_guard.graph.model import RevisionGraph
from migration_guard.lint import (
    BLOCKING_PROBLEMS,
    LintResult,
    lint_revisions,
    local_renderer,
    rule_infos,
)
from migration_guard.project import Project, open_project
from migration_guard.render.offline import OfflineRenderer


def run(invocation: Invocation) -> int:
    project = open_project(invocation.project, invocation.arguments.runner)
    base = invocation.arguments.base or project.config.base or default_base(project.root)
    with local_renderer(project, invocation.renderer) or nullcontext() as renderer:
        graph = project.graph()
        comparison = compare_with_base(graph, project.alembic, project.root, base)
        problems = graph_problems(project, graph, comparison) + committed_drift(project, graph)
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
        )


def committed_drift(project: Project, graph: RevisionGraph) -> tuple[Problem, ...]:
    """``models-without-migration`` for the PR's committed tree, when the project has models,
    ``drift`` is on and the graph can be upgraded at all (else its own problems say why)."""
    if not project.config.drift or any(
        problem.code in BLOCKING_PROBLEMS for problem in graph.problems
    ):
        return ()
    if not any((project.root / folder).exists() for folder in project.config.models):
        return ()
    from migration_guard.commands.drift import tree_drift

    return tree_drift(project, staged=False)


def graph_and_lint(
    invocation: Invocation,
    project: Project,
    graph: RevisionGraph,
    problems: tuple[Problem, ...],
    revisions: list[str],
    renderer: OfflineRenderer | None = None,
    *,
    trace: bool = False,
    base: str | None = None,
) -> int:
    """Lint (and with ``trace``, trace) ``revisions`` unless the graph cannot be rendered; one
    report of all; its exit code. ``base``: annotate only the lines changed since it."""
    renderable = not any(problem.code in BLOCKING_PROBLEMS for problem in graph.problems)
    if renderable:
        result = lint_revisions(project, graph, revisions, renderer)
    else:
        result = LintResult(findings=(), revisions=(), sql=())
    traced: tuple[dict[str, object], ...] = ()
    if renderable and trace and revisions:
        from migration_guard.progress import progress
        from migration_guard.trace import trace_revisions

        outcome = trace_revisions(
            project, graph, revisions, seed=project.config.trace_seed, say=progress
        )
        result = LintResult(result.findings + outcome.findings, result.revisions, result.sql)
        traced = outcome.trace
    from migration_guard.fix.offer import offer_fixes
    from migration_guard.fix.recipe import FixSettings

    settings = FixSettings.from_config(project.config)
    findings, fixes = offer_fixes(project.root, result.findings, settings)
    invocation.emit(
        Report(
            command="check",
            heads=graph.heads,
            problems=problems,
            findings=findings,
            revisions=result.revisions,
            sql=result.sql,
            rules=rule_infos(),
            trace=traced,
            fixes=fixes,
        ),
        changed_since=base,
    )
    code = graph_exit_code(problems)
    if code == exit_codes.OK and any(f.severity == "error" for f in result.findings):
        return exit_codes.FINDINGS
    return code
