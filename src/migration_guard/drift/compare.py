"""Do the models match the migration history of the same tree?

Answered as ``alembic check`` answers it: a throwaway PostgreSQL database at the tree's heads,
then autogenerate's comparison with the tree's own env.py and models, in a pinned child (how
and where: :mod:`migration_guard.drift.job`). The tree is an export of the index or of a
commit (:mod:`migration_guard.project.tree_export`), never the work tree; the user's database is never
used. Each pending operation is one ``models-without-migration`` problem, at the model file and
line where the model is found, else at alembic.ini (every report format needs a location). A
revision whose upgrade fails during the replay is one ``upgrade-failed`` problem at its file and
line, and the drift of the rest is still judged (the replay steps over it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from migration_guard.drift.model_locations import locate, model_locations
from migration_guard.errors import InputError
from migration_guard.findings import Problem
from migration_guard.project.tree_export import ExportedTree

if TYPE_CHECKING:
    from migration_guard.drift.worker import ProjectFailure, UpgradeFailure

if TYPE_CHECKING:
    from migration_guard.drift.job import GenerateAlong

CODE = "models-without-migration"
UPGRADE_FAILED = "upgrade-failed"
MISSING_MODULE = "No module named "
BLOCKING = ("parse-error", "cycle", "missing-parent", "duplicate-revision")


def drift_problems(
    tree: ExportedTree, *, say: Callable[[str], None], along: GenerateAlong | None = None
) -> tuple[Problem, ...]:
    """One problem per operation autogenerate would add to reach the tree's models (``along``:
    and the revision for them, see :class:`~migration_guard.drift.job.GenerateAlong`)."""
    project = tree.project
    graph = project.graph()
    blocking = [problem for problem in graph.problems if problem.code in BLOCKING]
    if blocking:
        raise InputError(
            f"the migration history in {tree.what} cannot be upgraded: {blocking[0].message}"
        )
    from migration_guard.drift.job import pending_operations

    result = pending_operations(tree, say, along)
    if result.failed is not None:
        raise _failure(tree, result.failed)
    problems = [_upgrade_failed(tree, entry) for entry in result.upgrade_failed]
    skipped = [problem.revisions[0] for problem in problems]
    locations = model_locations(
        project.root, project.config.models, project.alembic.version_locations
    )
    ini = _ini_path(tree)
    for operation in result.operations:
        table, column = operation.table, operation.column
        path, line = locate(locations, table, column)
        if path is None and operation.kind.startswith("remove_"):
            from migration_guard.drift.locations import created_in

            # no model holds it: the revision that built it
            path, line = created_in(project.root, graph, table, column)
        problems.append(
            Problem(
                code=CODE,
                message=operation.message,
                revisions=graph.heads,
                path=path or ini,
                line=line if path else 1,
                help=_drift_help(operation.kind, skipped),
            )
        )
    return tuple(problems)


def _drift_help(kind: str, skipped: list[str]) -> str:
    """Which side to change: models ahead of the migrations want a revision; migrations that
    build what the models lack want the models changed (``new`` would generate a drop)."""
    if kind.startswith("remove_"):
        advice = (
            "the migrations build this but the models lack it: add it to the models; only if "
            "it is really meant to go, write (and review) a revision that drops it"
        )
    else:
        advice = (
            "the models have this but the migrations do not build it: generate the revision "
            "(`migration-guard new`) and commit it with the model change"
        )
    if skipped:
        advice += (
            f" (judged with {', '.join(skipped)} stepped over: its upgrade failed, so what it "
            "would build may be part of this)"
        )
    return advice


def _upgrade_failed(tree: ExportedTree, entry: UpgradeFailure) -> Problem:
    """A revision whose upgrade failed during the replay, at its file and line."""
    revision = entry.revision
    error = entry.error
    help_text = (
        "fix the migration so it runs on a database built by the history alone (a fresh "
        "database, as in CI or a new environment)"
    )
    if MISSING_MODULE in error:
        help_text = missing_module_help(error)
    return Problem(
        code=UPGRADE_FAILED,
        message=f"Upgrade of {revision} failed on a database built from the history: {error}",
        revisions=(revision,),
        path=tree.real_path(entry.path) if entry.path else _ini_path(tree),
        line=entry.line or 1,
        help=help_text,
    )


def missing_module(error: str) -> str | None:
    """The top-level module a ``No module named 'x.y'`` message names, if any (the last one:
    in "not rendered offline (…) and not run (…)" the run's cause is the one that decided)."""
    import re

    found = re.findall(r"No module named '([^']+)'", error)
    return found[-1].split(".")[0] if found else None


def missing_module_help(error: str) -> str:
    """The fix for a module the environment lacks (the application, or one of its packages)."""
    module = missing_module(error) or "it imports"
    return (
        f"install the application and its dependencies in this job so `{module}` imports "
        '(e.g. `pip install -e .` or `pip install -r requirements.txt`), or set runner = "docker" '
        "to run in the compose service"
    )


def _ini_path(tree: ExportedTree) -> str:
    return tree.real_path(tree.project.config.alembic_ini_path)


def _failure(tree: ExportedTree, failed: ProjectFailure) -> Exception:
    """The project's code failed in the child: exit 2 naming its file and line in the
    repository (not the export), or exit 3 for the database."""
    from migration_guard.errors import EnvironmentProblem

    what = f"{failed.type}: {failed.message}" if failed.message else failed.type
    if failed.environment:
        return EnvironmentProblem(f"the drift check failed on the throwaway database: {what}")
    where = "env.py or the models"
    if failed.path:
        where = tree.real_path(failed.path)
        if failed.line:
            where += f":{failed.line}"
    module = missing_module(what)
    if module is not None:
        return InputError(
            f"{where}: the models cannot be imported: module `{module}` is not installed where "
            f"migration-guard runs; {missing_module_help(what)}"
        )
    return InputError(f"{where}: the models cannot be imported ({what})")
