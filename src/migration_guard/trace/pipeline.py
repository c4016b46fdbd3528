"""The trace pipeline: chosen revisions → run on a throwaway database → facts → findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migration_guard.findings import Finding
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.order import upgrade_order
from migration_guard.lint.pipeline import ensure_renderable
from migration_guard.project.opened import Project
from migration_guard.trace.job import TraceOutcome, TraceRequest, seed_path
from migration_guard.trace_results import RevisionRun, TraceEntry

if TYPE_CHECKING:
    from migration_guard.rules.base import RuleSettings
    from migration_guard.rules.history import History

REWRITE_GUESSES = frozenset({"column-type-change", "volatile-default"})
"""Static rules that guess a rewrite; on a traced statement the observed fact replaces them."""


@dataclass(frozen=True)
class TraceResult:
    """The findings, the traced revisions and their report entries; ``skipped``: (revision,
    why) for the revisions whose parents could not be reached."""

    findings: tuple[Finding, ...]
    revisions: tuple[str, ...]
    trace: tuple[TraceEntry, ...]
    skipped: tuple[tuple[str, str], ...] = ()


def trace_revisions(
    project: Project,
    graph: RevisionGraph,
    revisions: list[str],
    *,
    seed: bool | str = False,
    say: Callable[[str], None] = print,
) -> TraceResult:
    """Trace ``revisions`` (in graph order) and turn what happened into findings."""
    ensure_renderable(graph)
    ordered = upgrade_order(graph, revisions)
    if not ordered:
        return TraceResult((), (), ())
    request = TraceRequest(
        revisions=tuple(ordered),
        parents=graph.ancestors_direct(ordered[0]),
        seed=seed_path(project.root, seed),
        timeout=project.config.trace_timeout,
    )
    if project.config.runner == "docker":
        from migration_guard.trace.job import trace_compose

        outcome = trace_compose(project, request, say=say)
    else:
        from migration_guard.trace.job import trace_local

        outcome = trace_local(
            project.alembic,
            request,
            project.config.database_url_env,
            say=say,
            postgres=project.config.postgres_choice,
        )
    return judge(project, graph, outcome)


def judge(project: Project, graph: RevisionGraph, outcome: TraceOutcome) -> TraceResult:
    """Findings and the report's trace entries from the trace job's outcome: every rule, the
    ones judged from the trace among them, through the one engine."""
    from migration_guard.lint.engine import RuleSettings
    from migration_guard.lint.project_history import project_history

    settings = RuleSettings.from_config(project.config)
    # the rules see the project as lint shows it to them; each traced revision adds its facts
    history = project_history(
        project.root,
        graph,
        [run.revision for run in outcome.revisions if run.skipped is None],
        settings,
    )
    findings: list[Finding] = []
    entries: list[TraceEntry] = []
    skipped: list[tuple[str, str]] = []
    for index, run in enumerate(outcome.revisions):
        if run.skipped is not None:
            skipped.append((run.revision, run.skipped))
            continue
        found = graph.revisions[run.revision]
        source = (project.root / found.path).read_text(encoding="utf-8", errors="replace")
        findings += judged_run(run, found.path, source, settings, history)
        entries.append(
            TraceEntry(
                revision=run.revision,
                path=found.path,
                upgrade=run.upgrade,
                downgrade=run.downgrade,
                seeded_tables=outcome.seeded_tables if index == 0 else (),
                statements=run.statements,
                parents=tuple(found.down_revisions),
            )
        )
    traced = tuple(entry.revision for entry in entries)
    return TraceResult(tuple(findings), traced, tuple(entries), tuple(skipped))


def judged_run(
    run: RevisionRun,
    path: str,
    source: str,
    settings: RuleSettings,
    history: History | None = None,
) -> list[Finding]:
    """The rules on the SQL the upgrade executed (BEGIN/COMMIT where transactions changed) and
    on what PostgreSQL did; suppressions, ``disable`` and severities applied by the engine."""
    from migration_guard.lint.engine import MigrationSource, SourceStatement, lint_migration

    sources: list[SourceStatement] = []
    in_transaction = run.statements[0].in_transaction if run.statements else None
    for statement in run.statements:
        if statement.in_transaction != in_transaction:
            sources.append(
                SourceStatement("BEGIN;" if statement.in_transaction else "COMMIT;", None)
            )
            in_transaction = statement.in_transaction
        sources.append(SourceStatement(statement.sql, statement.line))
    migration = MigrationSource(
        revision=run.revision,
        path=path,
        statements=tuple(sources),
        source_text=source,
        comment_style="python",
        starts_in_transaction=run.statements[0].in_transaction if run.statements else None,
        trace=run,
    )
    traced_lines = {statement.line for statement in run.statements}
    return [
        finding
        for finding in lint_migration(migration, settings, history)
        if not (finding.rule in REWRITE_GUESSES and finding.line in traced_lines)
    ]
