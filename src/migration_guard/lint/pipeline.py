"""The lint pipeline: selected revisions → offline SQL → rules → findings.

A revision that cannot be rendered offline is run on a throwaway PostgreSQL and judged from
what it executed (:mod:`migration_guard.lint.execution`); only one that fails both ways is
``render-failed``, with both causes. ``check`` (``fail_closed``) makes that an error unless the
``severity`` setting says otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.config.bounded_read import read_bytes, read_stream
from migration_guard.errors import GuardError, InputError
from migration_guard.findings import Finding, RuleInfo, Severity
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.order import upgrade_order
from migration_guard.project.opened import Project
from migration_guard.render.offline import OfflineRenderer, RenderedRevision, Renderer
from migration_guard.render.stand_in import Identity

if TYPE_CHECKING:
    from migration_guard.config.pyproject import Config
    from migration_guard.rules.base import RuleSettings
    from migration_guard.rules.history import History

BLOCKING_PROBLEMS = ("parse-error", "cycle", "missing-parent", "duplicate-revision")


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    revisions: tuple[str, ...]
    sql: tuple[tuple[str, str], ...]


def ensure_renderable(graph: RevisionGraph) -> None:
    """Alembic cannot load a history with these problems; say which, as an input error."""
    for problem in graph.problems:
        if problem.code in BLOCKING_PROBLEMS:
            where = f"{problem.path}:{problem.line}: " if problem.path and problem.line else ""
            detail = (
                problem.message if problem.code == "parse-error" else f"{where}{problem.message}"
            )
            raise InputError(f"cannot render migrations: {detail}")


def lint_revisions(
    project: Project,
    graph: RevisionGraph,
    revisions: list[str],
    renderer: Renderer | None = None,
    *,
    fail_closed: bool = False,
) -> LintResult:
    """Render ``revisions`` offline and run the rules over each one's SQL; a revision that
    cannot be rendered is linted from its execution instead.

    ``renderer``, started before the command (see :func:`local_renderer`), has had Alembic loading while
    the caller read the graph; without one a child is started here. ``fail_closed``: a revision
    judged neither way is an error unless ``severity`` sets ``render-failed`` explicitly.
    """
    ensure_renderable(graph)
    ordered = upgrade_order(graph, revisions)
    # the child renders while we load the rules
    rendered = render_revisions(project, ordered, renderer, graph)
    from migration_guard.lint.engine import (
        MigrationSource,
        RuleSettings,
        SourceStatement,
        lint_migration,
    )
    from migration_guard.lint.project_history import project_history

    settings = RuleSettings.from_config(project.config)
    history = project_history(project.root, graph, ordered, settings)
    by_revision: dict[str, list[Finding]] = {}
    sql_of: dict[str, str] = {}
    unrendered: dict[str, tuple[str, int | None]] = {}
    for result in rendered:
        file = graph.revisions[result.revision]
        if result.error is not None:
            unrendered[result.revision] = (result.error, result.error_line)
            continue
        sql_of[result.revision] = "\n\n".join(statement.sql for statement in result.statements)
        source_text = (project.root / file.path).read_text(encoding="utf-8", errors="replace")
        migration = MigrationSource(
            revision=result.revision,
            path=file.path,
            statements=tuple(SourceStatement(sql=s.sql, line=s.line) for s in result.statements),
            source_text=source_text,
            comment_style="python",
        )
        by_revision[result.revision] = list(lint_migration(migration, settings, history))
    if unrendered:
        _judge_unrendered(project, graph, unrendered, settings, by_revision, sql_of, fail_closed)
    findings = [finding for rev in ordered for finding in by_revision.get(rev, ())]
    sql = [(rev, sql_of[rev]) for rev in ordered if rev in sql_of]
    return LintResult(findings=tuple(findings), revisions=tuple(ordered), sql=tuple(sql))


def _judge_unrendered(
    project: Project,
    graph: RevisionGraph,
    unrendered: dict[str, tuple[str, int | None]],
    settings: RuleSettings,
    by_revision: dict[str, list[Finding]],
    sql_of: dict[str, str],
    fail_closed: bool,
) -> None:
    """Lint the revisions that could not be rendered from their execution; ``render-failed``
    for those that could not run either (an unimportable one is not tried: it cannot run)."""
    from migration_guard.lint.execution import lint_from_execution
    from migration_guard.render.stand_in import UNIMPORTABLE

    runnable = [rev for rev, (error, _) in unrendered.items() if not error.startswith(UNIMPORTABLE)]
    executed = lint_from_execution(project, graph, runnable)
    default: Severity = "error" if fail_closed else "warning"
    for revision, (error, line) in unrendered.items():
        if revision in executed.findings:
            by_revision[revision] = executed.findings[revision]
            sql_of[revision] = executed.sql[revision]
            continue
        reason = error
        if revision in executed.failed:
            why, run_line = executed.failed[revision]
            reason = f"it could not be rendered offline ({error}) and {why}"
            line = run_line or line
        by_revision[revision] = render_failed_findings(
            project.root,
            graph.revisions[revision].path,
            revision,
            reason,
            settings,
            line=line,
            default_severity=default,
        ) + _file_findings(project.root, graph.revisions[revision].path, revision, settings)


def _file_findings(root: Path, path: str, revision: str, settings: RuleSettings) -> list[Finding]:
    """What the rules that read the revision file itself (with ``ast``) find in one that ran
    neither way: a data migration in Python is often why it could not be rendered."""
    from migration_guard.lint.engine import MigrationSource, lint_migration
    from migration_guard.rules import RULE_IDS

    source_text = (root / path).read_text(encoding="utf-8", errors="replace")
    only = replace(settings, disabled=settings.disabled | (RULE_IDS - _FILE_RULES))
    migration = MigrationSource(revision, path, (), source_text=source_text)
    return list(lint_migration(migration, only))


# Rules that judge the revision file, not its SQL.
_FILE_RULES = frozenset({"python-data-migration"})


def lint_sql_files(
    project_root: Path, paths: list[str], settings_source: Project | None
) -> LintResult:
    """Lint SQL given directly (``-`` is stdin); ``-- Running upgrade`` blocks are migrations."""
    from migration_guard.config.pyproject import load_config
    from migration_guard.lint.engine import RuleSettings, lint_migrations, migrations_from_sql_text

    config = settings_source.config if settings_source else load_config(project_root)
    settings = RuleSettings.from_config(config)
    new_history = _sql_history(config, settings)
    findings: list[Finding] = []
    revisions: list[str] = []
    sql: list[tuple[str, str]] = []
    for name in paths:
        text = _read_sql(name)
        shown = name if name == "-" else _relative(Path(name), project_root)
        migrations = migrations_from_sql_text(text, shown)
        for migration in migrations:
            if migration.revision is not None:
                revisions.append(migration.revision)
                sql.append((migration.revision, "\n\n".join(s.sql for s in migration.statements)))
        # one call per file: a suppression at the top of the file covers all its blocks
        findings.extend(lint_migrations(migrations, settings, new_history()))
    return LintResult(findings=tuple(findings), revisions=tuple(revisions), sql=tuple(sql))


def _sql_history(config: Config, settings: RuleSettings) -> Callable[[], History]:
    """How each SQL file's run starts: inside an Alembic project (its alembic.ini exists),
    soft-delete-pair follows the project's convention, read from its revision files only if
    a file adds part of the set; with no project behind the SQL, the seed's rule."""
    from migration_guard.rules.history import History

    if settings.soft_delete_columns_explicit or not config.alembic_ini_path.is_file():
        return History
    root = config.root

    def pairs_in_project() -> bool:
        from migration_guard.project.opened import open_project
        from migration_guard.readers.history_scan import table_has_all

        try:
            graph = open_project(root).graph()
        except (GuardError, OSError):
            return True  # the convention cannot be read: keep the seed's rule
        paths = [file.path for file in graph.revisions.values()]
        return table_has_all(root, paths, settings.soft_delete_columns)

    return lambda: History(in_project=True, soft_delete_pairs=pairs_in_project)


def render_failed_findings(
    root: Path,
    path: str,
    revision: str,
    reason: str,
    settings: RuleSettings,
    line: int | None = None,
    default_severity: Severity = "warning",
) -> list[Finding]:
    """The ``render-failed`` finding, under ``severity``, ``disable`` and suppressions like any rule.

    ``default_severity``: the rule's severity unless ``severity`` sets it (``check`` fails
    closed: error).

    The finding points at ``line`` (the revision's line that raised) when known, else the file's
    first line. The revision has no rendered statements, so only a suppression covering the
    finding's line (the file header, that line or the one above it) can silence it.
    """
    from migration_guard.lint.suppressions import find_suppressions

    if "render-failed" in settings.disabled:
        return []
    finding = render_failed(revision, path, reason, line)
    finding = replace(finding, severity=settings.severity_of(finding.rule, default_severity))
    source_text = (root / path).read_text(encoding="utf-8", errors="replace")
    silencing = [
        suppression
        for suppression in find_suppressions(source_text, "python")
        if suppression.covers(finding.rule, finding.line, finding.line)
    ]
    if not silencing:
        return [finding]
    return [
        replace(
            finding,
            rule="suppression-without-reason",
            severity=settings.severity_of("suppression-without-reason", "warning"),
            message="Suppression of `render-failed` gives no reason.",
            line=suppression.line,
            help="Write the reason after the bracket: `ignore[rule-id] why this is safe`.",
        )
        for suppression in silencing
        if not suppression.reason and "suppression-without-reason" not in settings.disabled
    ]


def render_failed(revision: str, path: str, reason: str, line: int | None = None) -> Finding:
    from migration_guard.drift.compare import missing_module, missing_module_help
    from migration_guard.render.stand_in import UNIMPORTABLE

    module = missing_module(reason)  # the revision's import, env.py's, or the models'
    if module is not None:
        message = (
            f"revision {revision} was not judged: module `{module}` is not installed where "
            f"migration-guard runs: {reason}"
        )
        advice = missing_module_help(reason)
    elif reason.startswith(UNIMPORTABLE):
        message = f"revision {revision} was not judged: {reason}"
        advice = (
            "make what it imports importable where migration-guard runs (the application's "
            'dependencies installed, or runner = "docker" to run in the compose service)'
        )
    else:
        message = f"revision {revision} was not judged: {reason}"
        advice = (
            "make the upgrade run on a database built by the history alone (and env.py support "
            "offline mode, `alembic upgrade --sql`, to lint without PostgreSQL)"
        )
    return Finding(
        rule="render-failed",
        severity="warning",
        message=message,
        revision=revision,
        path=path,
        line=line or 1,
        help=f"{advice}; or suppress with `# migration-guard: ignore[render-failed] reason`",
    )


def rule_infos() -> tuple[RuleInfo, ...]:
    """Every registered rule with its documentation (its docstring)."""
    import inspect

    from migration_guard.rules import ALL_RULES

    return tuple(
        RuleInfo(
            id=rule.id,
            severity=rule.severity,
            summary=rule.summary,
            help=inspect.getdoc(rule) or "",
            default_on=rule.default_on,
        )
        for rule in ALL_RULES
    )


def local_renderer(project: Project, started: OfflineRenderer | None) -> OfflineRenderer | None:
    """The render child to use: ``started`` (or a new one) when rendering is local; none (and
    ``started`` closed) when the project renders in docker compose."""
    if project.config.runner == "docker":
        if started is not None:
            started.close()
        return None
    return started or OfflineRenderer()


def render_revisions(
    project: Project,
    ordered: list[str],
    renderer: Renderer | None = None,
    graph: RevisionGraph | None = None,
) -> Iterable[RenderedRevision]:
    """``ordered`` rendered offline: in docker compose or in a local child process (which
    imports a revision file only to render it when ``graph`` vouches for its identifiers)."""
    if project.config.runner == "docker":
        from migration_guard.render.compose import render_in_compose

        return render_in_compose(project, ordered)
    if not ordered:
        return iter(())
    identities = _identities(project.root, graph) if graph is not None else None
    renderer = renderer or OfflineRenderer()
    return renderer.render(
        project.alembic.ini_path, ordered, project.config.database_url_env, identities
    )


def _identities(root: Path, graph: RevisionGraph) -> dict[str, Identity]:
    """The statically read identifiers of the graph's files, by real path; files with a
    computed ``branch_labels`` or ``depends_on`` are left for Alembic to import."""
    return {
        os.path.realpath(root / file.path): (
            file.revision,
            file.down_revisions,
            file.branch_labels,
            file.depends_on,
        )
        for file in graph.revisions.values()
        if file.labels_known and file.depends_known
    }


def _read_sql(name: str) -> str:
    # stdin and files alike: bytes decoded as UTF-8, a byte-order mark dropped
    shown = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            data = read_stream(sys.stdin.buffer, shown, "SQL file")
        else:
            data = read_bytes(name, "SQL file")
        return data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{shown}: cannot read SQL: {error}") from None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
