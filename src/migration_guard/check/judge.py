"""Lint (and trace) of the chosen revisions with the graph's and drift's problems, judged into
one report, written in every output whatever one stage hit; and the committed tree's drift.

Fail closed: a stage that could not run (its error kept in ``stopped``) still lets the others
report, then decides the exit code after its one line; the drift replay's failed upgrades are
findings at their revision's line, under the same suppressions and severities as every rule.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.check.graph import graph_exit_code
from migration_guard.errors import GuardError, one_line
from migration_guard.findings import Finding, Problem, Report
from migration_guard.lint.pipeline import BLOCKING_PROBLEMS, LintResult, lint_revisions, rule_infos
from migration_guard.trace_results import TraceEntry

if TYPE_CHECKING:
    from migration_guard.graph.model import RevisionGraph
    from migration_guard.project.opened import Project
    from migration_guard.render.offline import OfflineRenderer
    from migration_guard.report.invocation import Invocation


def stage_error(what: str, error: GuardError) -> GuardError:
    """``error`` of one stage, its line saying which stage it was."""
    stopped = type(error)(f"{what} could not run: {error}")
    return stopped


def committed_drift(project: Project, graph: RevisionGraph) -> tuple[Problem, ...]:
    """``models-without-migration`` for the PR's committed tree, when the project has models,
    ``drift`` is on and the graph can be upgraded at all (else its own problems say why)."""
    if not project.config.drift or any(
        problem.code in BLOCKING_PROBLEMS for problem in graph.problems
    ):
        return ()
    if not any((project.root / folder).exists() for folder in project.config.models):
        return ()
    from migration_guard.drift.run import tree_drift

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
    stopped: list[GuardError] | None = None,
    fail_closed: bool = False,
) -> int:
    """Lint (and with ``trace``, trace) ``revisions`` unless the graph cannot be rendered; one
    report of all; its exit code. ``base``: annotate only the lines changed since it.

    ``stopped``: stages that could not run (their errors); ``fail_closed`` (``check``): a
    revision that could not be judged is an error by default. The report is written whatever
    a stage hit; a stage's error then decides the exit code, after its one line."""
    stopped = list(stopped or ())
    renderable = not any(problem.code in BLOCKING_PROBLEMS for problem in graph.problems)
    result = LintResult(findings=(), revisions=(), sql=())
    if renderable:
        try:
            result = lint_revisions(project, graph, revisions, renderer, fail_closed=fail_closed)
        except GuardError as error:
            stopped.append(stage_error("lint", error))
    traced: tuple[TraceEntry, ...] = ()
    if renderable and trace and revisions:
        from migration_guard.runners.progress import progress
        from migration_guard.trace.pipeline import trace_revisions

        try:
            outcome = trace_revisions(
                project, graph, revisions, seed=project.config.trace_seed, say=progress
            )
        except GuardError as error:
            stopped.append(stage_error("trace", error))
        else:
            result = LintResult(result.findings + outcome.findings, result.revisions, result.sql)
            traced = outcome.trace
    problems, failed_upgrades = _upgrade_failures(project, problems, result.findings)
    findings = result.findings + failed_upgrades
    from migration_guard.fix.offer import offer_fixes
    from migration_guard.fix.recipe import FixSettings

    settings = FixSettings.from_config(project.config)
    findings, fixes = offer_fixes(project.root, findings, settings)
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
            incomplete=tuple(str(stage) for stage in stopped),
        ),
        changed_since=base,
    )
    for stage in stopped:
        print(f"migration-guard: error: {one_line(str(stage))}", file=sys.stderr)
    if stopped:
        return max(stage.exit_code for stage in stopped)
    code = graph_exit_code(problems)
    if code == exit_codes.OK and any(f.severity == "error" for f in findings):
        return exit_codes.FINDINGS
    return code


def _upgrade_failures(
    project: Project, problems: tuple[Problem, ...], findings: tuple[Finding, ...]
) -> tuple[tuple[Problem, ...], tuple[Finding, ...]]:
    """The drift replay's ``upgrade-failed`` problems as findings (a migration that fails is a
    finding: ``severity``, ``disable`` and suppressions apply), minus a revision lint already
    reported it could not judge (the same failure, said once)."""
    from migration_guard.lint.engine import RuleSettings
    from migration_guard.lint.suppressions import find_suppressions
    from migration_guard.rules import get_rule

    failed = [problem for problem in problems if problem.code == "upgrade-failed"]
    if not failed:
        return problems, ()
    kept = tuple(problem for problem in problems if problem.code != "upgrade-failed")
    settings = RuleSettings.from_config(project.config)
    rule = get_rule("upgrade-failed")
    unjudged = {f.revision for f in findings if f.rule in ("render-failed", "upgrade-failed")}
    out: list[Finding] = []
    for problem in failed:
        revision = problem.revisions[0] if problem.revisions else None
        if "upgrade-failed" in settings.disabled or revision in unjudged:
            continue
        finding = Finding(
            rule="upgrade-failed",
            severity=settings.severity_of("upgrade-failed", rule.severity if rule else "error"),
            message=problem.message,
            revision=revision,
            path=problem.path,
            line=problem.line,
            help=problem.help,
        )
        source = _source(project, problem.path)
        if any(
            s.covers(finding.rule, finding.line, finding.line)
            for s in find_suppressions(source, "python")
        ):
            continue
        out.append(finding)
    return kept, tuple(out)


def _source(project: Project, path: str | None) -> str:
    if not path:
        return ""
    try:
        return (project.root / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
