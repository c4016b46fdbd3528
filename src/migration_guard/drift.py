"""Do the models match the migration history of the same tree?

Answered as ``alembic check`` answers it: a throwaway PostgreSQL database brought to the
tree's heads (a copy of the cached template, see :mod:`migration_guard.runners.local`), then
autogenerate's comparison with the tree's own env.py and models, in a pinned child
(:mod:`migration_guard.runners.drift_worker`). The tree is an export of the index or of a
commit (:mod:`migration_guard.tree_export`), never the work tree; the user's database is never
used. Each pending operation is one ``models-without-migration`` problem.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from migration_guard.errors import InputError
from migration_guard.findings import Problem
from migration_guard.model_locations import locate, model_locations
from migration_guard.tree_export import ExportedTree

CODE = "models-without-migration"
_WORKER = "migration_guard.runners.drift_worker"
_WHAT = "the drift check"
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
    if project.config.runner == "docker":
        operations = _compose_operations(tree, say)
    else:
        operations = _pending_operations(tree, say)
    locations = model_locations(project.root, project.config.models)
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


def _pending_operations(tree: ExportedTree, say: Callable[[str], None]) -> list[dict[str, Any]]:
    from migration_guard.runners import local
    from migration_guard.runners import postgres as pg
    from migration_guard.runners.child import PreparedJob, with_installed_driver

    settings = tree.project.alembic
    # The compare child imports Alembic while the server starts and the template is copied.
    with (
        PreparedJob(_WORKER, cwd=settings.working_dir, what=_WHAT) as compare,
        local.cluster(say) as server,
    ):
        template = local.TEMPLATE_PREFIX + local.history_key(settings)[:24]
        if pg.database_exists(server.url, template):
            say("  template database found in the cache: history not replayed")
        else:
            say("  replaying the history into a fresh template database (cached for next time)")
            _build_template(tree, server.url, template)
        local.mark_used(server.url, template)
        local.prune_templates(server.url, keep=template)
        # Comparing only reads: on the template itself, made read-only for every session (no
        # copy to make and drop). An env.py that writes fails there; it gets a copy instead.
        local.make_read_only(server.url, template)
        result = compare.run(
            _request(tree, "compare"),
            database_url_env=tree.project.config.database_url_env,
            url=with_installed_driver(pg.database_url(server.url, template)),
        )
        if result.get("failed", {}).get("read_only"):
            say("  env.py writes to the database: comparing on a copy of the template")
            work = f"{local.WORK_PREFIX}{uuid.uuid4().hex[:12]}"
            try:
                result = _run_worker(tree, pg.clone_database(server.url, template, work), "compare")
            finally:
                pg.drop_database(server.url, work)
    if "failed" in result:
        raise _failure(tree, result["failed"])
    operations: list[dict[str, Any]] = result["operations"]
    return operations


def _compose_operations(tree: ExportedTree, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """The pending operations, computed in the backend container on a throwaway database."""
    from migration_guard.runners.compose_jobs import compose_jobs

    settings = tree.project.alembic
    with compose_jobs(tree.project.config, tree.root, settings.working_dir, "drift", say) as jobs:
        request = {
            "ini_path": jobs.relative(settings.ini_path),
            "tree": jobs.relative(tree.root),
        }
        for action in ("upgrade", "compare"):
            result = jobs.run(_WORKER, {**request, "action": action}, _WHAT)
            if "failed" in result:
                failed = result["failed"]
                raise _failure(tree, {**failed, "path": jobs.host_path(failed.get("path"))})
    operations: list[dict[str, Any]] = result["operations"]
    return operations


def _build_template(tree: ExportedTree, server_url: str, template: str) -> None:
    """``alembic upgrade heads`` into a new database, renamed to ``template`` once complete."""
    from migration_guard.runners import local
    from migration_guard.runners import postgres as pg

    building = f"{local.BUILD_PREFIX}{uuid.uuid4().hex[:12]}"
    try:
        _run_worker(tree, pg.create_database(server_url, building), "upgrade")
        pg.execute(
            server_url,
            f"ALTER DATABASE {pg.quote_identifier(building)} RENAME TO "
            f"{pg.quote_identifier(template)}",
        )
    except BaseException:
        pg.drop_database(server_url, building)
        raise


def _run_worker(tree: ExportedTree, url: str, action: str) -> dict[str, Any]:
    from migration_guard.runners.child import run_job, with_installed_driver

    settings = tree.project.alembic
    result = run_job(
        _WORKER,
        _request(tree, action),
        cwd=settings.working_dir,
        database_url_env=tree.project.config.database_url_env,
        url=with_installed_driver(url),
        what=_WHAT,
    )
    if "failed" in result:
        raise _failure(tree, result["failed"])
    return result


def _request(tree: ExportedTree, action: str) -> dict[str, Any]:
    settings = tree.project.alembic
    return {"ini_path": str(settings.ini_path), "tree": str(tree.root.resolve()), "action": action}


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
