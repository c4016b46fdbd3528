"""The drift check inside the compose ``backend`` service (config ``runner = "docker"``).

For projects whose models import only where their dependencies are installed: in the container.
The tree being judged (an export of HEAD or of the index, never the work tree) is mounted
read-only into ``docker compose run --rm backend``, with this package (pure Python, no
dependencies of its own) next to it; the same compare job as the local runner runs there.

The database is a throwaway one created on the compose ``db`` server (``mg_drift_…``), brought to
the tree's heads and dropped afterwards; the user's own database on that server is never opened
(every engine in the job is pinned to the throwaway one, see :mod:`migration_guard.runners.pinned`).
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import migration_guard
from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.child import RETARGET_ENV
from migration_guard.runners.docker import Compose, ensure_running, open_compose
from migration_guard.tree_export import ExportedTree

MOUNT = "/migration-guard"
TREE = f"{MOUNT}/tree"
LIBRARY = f"{MOUNT}/lib"
JOB = f"{MOUNT}/job"
_PSQL = 'exec psql -X -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres -c "$1"'


def compose_operations(tree: ExportedTree, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """The pending operations, computed in the backend container on a throwaway database."""
    compose = open_compose(tree.project.config)
    ensure_running(compose, say)
    database = f"mg_drift_{uuid.uuid4().hex[:12]}"
    say(f"  a throwaway database {database} on the compose {compose.db_service} service")
    _psql(compose, f'CREATE DATABASE "{database}"')
    try:
        with tempfile.TemporaryDirectory(prefix="migration-guard-compose-") as scratch:
            job = Path(scratch)
            job.chmod(0o777)  # the container's user writes the result (its parent stays 0700)
            for action in ("upgrade", "compare"):
                result = _run(compose, tree, job, database, action)
                if "failed" in result:
                    return [{"failed": _host_paths(result["failed"], tree)}]
            operations: list[dict[str, Any]] = result["operations"]
            return operations
    finally:
        _psql(compose, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', check=False)


def _run(
    compose: Compose, tree: ExportedTree, job: Path, database: str, action: str
) -> dict[str, Any]:
    settings = tree.project.alembic
    root = tree.root.resolve()
    working_dir = settings.working_dir.resolve()
    working = working_dir.relative_to(root).as_posix()
    # paths relative to the working folder: the same inside the container and out
    request = {
        "ini_path": os.path.relpath(settings.ini_path.resolve(), working_dir),
        "tree": os.path.relpath(root, working_dir),
        "action": action,
    }
    (job / "request.json").write_text(json.dumps(request), encoding="utf-8")
    result_path = job / "result.json"
    result_path.unlink(missing_ok=True)
    library = Path(migration_guard.__file__).resolve().parent
    completed = compose.run(
        "run",
        "--rm",
        "-T",
        "-v",
        f"{root}:{TREE}:ro",
        "-v",
        f"{library}:{LIBRARY}/migration_guard:ro",
        "-v",
        f"{job}:{JOB}",
        "-w",
        TREE if working == "." else f"{TREE}/{working}",
        "-e",
        f"PYTHONPATH={LIBRARY}",
        "-e",
        "PYTHONDONTWRITEBYTECODE=1",
        "-e",
        f"{RETARGET_ENV}={tree.project.config.database_url_env} {database}",
        compose.service,
        "python",
        "-m",
        "migration_guard.runners.drift_worker",
        f"{JOB}/request.json",
        f"{JOB}/result.json",
        check=False,
    )
    if not result_path.exists():
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        raise EnvironmentProblem(
            f"the drift check in the compose {compose.service} service failed: "
            f"{lines[-1] if lines else 'no output'}"
        )
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    if "fatal" in result:
        raise EnvironmentProblem(f"the drift check failed in compose: {result['fatal']}")
    return result


def _psql(compose: Compose, statement: str, *, check: bool = True) -> None:
    """One statement on the db service's ``postgres`` database, as its superuser."""
    compose.run("exec", "-T", compose.db_service, "sh", "-c", _PSQL, "psql", statement, check=check)


def _host_paths(failed: dict[str, Any], tree: ExportedTree) -> dict[str, Any]:
    """The container's file path in a failure, as the export's (which maps to the repository)."""
    path = failed.get("path")
    if isinstance(path, str) and (path == TREE or path.startswith(TREE + "/")):
        failed = {**failed, "path": os.path.join(str(tree.root), path[len(TREE) + 1 :])}
    return failed
