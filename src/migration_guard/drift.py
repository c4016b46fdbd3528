"""Do the models match the migration history of the same tree?

Answered as ``alembic check`` answers it: a throwaway PostgreSQL database at the tree's heads,
then autogenerate's comparison with the tree's own env.py and models, in a pinned child (how
and where: :mod:`migration_guard.runners.drift`). The tree is an export of the index or of a
commit (:mod:`migration_guard.tree_export`), never the work tree; the user's database is never
used. Each pending operation is one ``models-without-migration`` problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migration_guard.errors import InputError
from migration_guard.findings import Problem
from migration_guard.model_locations import locate, model_locations
from migration_guard.tree_export import ExportedTree

CODE = "models-without-migration"
BLOCKING = ("parse-error", "cycle", "missing-parent", "duplicate-revision")


def drift_problems(tree: ExportedTree, *, say: Callable[[str], None]) -> tuple[Problem, ...]:
    """One problem per operation autogenerate would add to reach the tree's models."""
    project = tree.project
    graph = project.graph()
    blocking = [problem for problem in graph.problems if problem.code in BLOCKING]
    if blocking:
        raise InputError(
            f"the migration history in {tree.what} cannot be upgraded: {blocking[0].message}"
        )
    from migration_guard.runners.drift import pending_operations

    result = pending_operations(tree, say)
    if "failed" in result:
        raise _failure(tree, result["failed"])
    operations: list[dict[str, Any]] = result["operations"]
    locations = model_locations(
        project.root, project.config.models, project.alembic.version_locations
    )
    problems = []
    for operation in operations:
        path, line = locate(locations, operation.get("table"), operation.get("column"))
        problems.append(
            Problem(
                code=CODE,
                message=str(operation["message"]),
                revisions=graph.heads,
                path=path,
                line=line,
                help=(
                    "the models differ from the schema their migrations build: generate the "
                    "revision (`migration-guard new`) and commit it with the model change"
                ),
            )
        )
    return tuple(problems)


def _failure(tree: ExportedTree, failed: dict[str, Any]) -> Exception:
    """The project's code failed in the child: exit 2 naming its file and line in the
    repository (not the export), or exit 3 for the database."""
    from migration_guard.errors import EnvironmentProblem

    what = f"{failed['type']}: {failed['message']}" if failed.get("message") else failed["type"]
    if failed.get("environment"):
        return EnvironmentProblem(f"the drift check failed on the throwaway database: {what}")
    where = "env.py or the models"
    if failed.get("path"):
        where = tree.real_path(failed["path"])
        if failed.get("line"):
            where += f":{failed['line']}"
    return InputError(f"{where}: the models cannot be imported ({what})")
