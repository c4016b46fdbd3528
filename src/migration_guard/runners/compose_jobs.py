"""Jobs inside the compose ``backend`` service, on a throwaway database (``runner = "docker"``).

For projects whose models and migrations import only where their dependencies are installed: in
the container. A project tree (an export of HEAD or of the index for drift, the checkout for
trace) is mounted read-only into ``docker compose run --rm backend``, with this package (pure
Python, no dependencies of its own) beside it, and the same job as the local runner's runs
there (:mod:`migration_guard.runners.child`).

The database is a throwaway one created on the compose ``db`` server (``mg_drift_…``,
``mg_trace_…``) and dropped afterwards; the application's own database on that server is never
opened: every engine in the job is pinned to the throwaway one (the service's
``database_url_env`` URL with its database replaced, see :mod:`migration_guard.runners.child`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import migration_guard
from migration_guard.errors import ConfigError
from migration_guard.runners.child import RETARGET_ENV, read_result
from migration_guard.runners.docker import Compose, ensure_running, open_compose

MOUNT = "/migration-guard"
TREE = f"{MOUNT}/tree"
LIBRARY = f"{MOUNT}/lib"
JOB = f"{MOUNT}/job"
_PSQL = 'exec psql -X -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres -c "$1"'


@dataclass(frozen=True)
class ComposeJobs:
    """Jobs for one project tree, in the backend service, on one throwaway database."""

    compose: Compose
    root: Path
    """The project tree on this machine, mounted read-only at :data:`TREE`."""
    working_dir: Path
    """Where alembic.ini's folder is inside ``root``: the jobs start there."""
    database: str
    database_url_env: str
    job_folder: Path

    def relative(self, path: Path) -> str:
        """``path`` (inside ``root``) relative to the working folder: the same in and out."""
        return os.path.relpath(path.resolve(), self.working_dir)

    def run(self, module: str, request: dict[str, Any], what: str) -> dict[str, Any]:
        """Run ``module``'s job in the backend service; its result, or EnvironmentProblem."""
        (self.job_folder / "request.json").write_text(json.dumps(request), encoding="utf-8")
        result_path = self.job_folder / "result.json"
        result_path.unlink(missing_ok=True)
        completed = self.compose.run(
            *self._run_options(), module, f"{JOB}/request.json", f"{JOB}/result.json", check=False
        )
        service = f"{what} in the compose {self.compose.service} service"
        return read_result(result_path, completed.stderr or "", service)

    def recreate_database(self) -> None:
        """Drop the throwaway database and create it again, empty (a job starts afresh)."""
        _psql(self.compose, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        _psql(self.compose, f'CREATE DATABASE "{self.database}"')

    def host_path(self, path: object) -> object:
        """A container path under :data:`TREE` as the same file under ``root``."""
        if isinstance(path, str) and (path == TREE or path.startswith(TREE + "/")):
            return os.path.join(str(self.root), path[len(TREE) + 1 :])
        return path

    def _run_options(self) -> list[str]:
        library = Path(migration_guard.__file__).resolve().parent
        inside = self.working_dir.relative_to(self.root).as_posix()
        return [
            "run",
            "--rm",
            "-T",
            "-v",
            f"{self.root}:{TREE}:ro",
            "-v",
            f"{library}:{LIBRARY}/migration_guard:ro",
            "-v",
            f"{self.job_folder}:{JOB}",
            "-w",
            TREE if inside == "." else f"{TREE}/{inside}",
            "-e",
            f"PYTHONPATH={LIBRARY}",
            "-e",
            "PYTHONDONTWRITEBYTECODE=1",
            "-e",
            f"{RETARGET_ENV}={self.database_url_env} {self.database}",
            self.compose.service,
            "python",
            "-m",
        ]


@contextlib.contextmanager
def compose_jobs(
    config: Any,
    root: Path,
    working_dir: Path,
    purpose: str,
    say: Callable[[str], None],
) -> Iterator[ComposeJobs]:
    """Services up, a throwaway ``mg_PURPOSE_…`` database on the db service for the block."""
    if not working_dir.resolve().is_relative_to(root.resolve()):
        raise ConfigError(
            f"{working_dir}: alembic.ini must be inside the project {root} for the docker runner "
            "(only the project folder is mounted into the container)"
        )
    compose = open_compose(config)
    ensure_running(compose, say)
    database = f"mg_{purpose}_{uuid.uuid4().hex[:12]}"
    say(f"  a throwaway database {database} on the compose {compose.db_service} service")
    _psql(compose, f'CREATE DATABASE "{database}"')
    try:
        with tempfile.TemporaryDirectory(prefix="migration-guard-compose-") as scratch:
            job_folder = Path(scratch)
            job_folder.chmod(0o777)  # the container's user writes the result (parent stays 0700)
            yield ComposeJobs(
                compose,
                root.resolve(),
                working_dir.resolve(),
                database,
                config.database_url_env,
                job_folder,
            )
    finally:
        _psql(compose, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', check=False)


def _psql(compose: Compose, statement: str, *, check: bool = True) -> None:
    """One statement on the db service's ``postgres`` database, as its superuser."""
    compose.run("exec", "-T", compose.db_service, "sh", "-c", _PSQL, "psql", statement, check=check)
