"""Trace revisions on a throwaway database (the parent's side of the trace job)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_guard.alembic_ini import AlembicSettings
from migration_guard.project import Project
from migration_guard.runners.child import run_job

TRACE_JOB = "migration_guard.runners.trace_worker"


@dataclass(frozen=True)
class TraceRequest:
    """What to trace: revisions in graph order, the first one's parents, and the seed."""

    revisions: tuple[str, ...]
    parents: tuple[str, ...]
    seed: bool | str = False

    def to_json(self, settings: AlembicSettings) -> dict[str, Any]:
        return {
            "ini_path": str(settings.ini_path),
            "revisions": list(self.revisions),
            "seed": self.seed,
        }


@dataclass(frozen=True)
class TraceOutcome:
    """The trace job's result: one entry per revision (see the worker) and the seeded tables."""

    revisions: tuple[dict[str, Any], ...]
    seeded_tables: tuple[str, ...] = field(default=())


def trace_in_database(
    settings: AlembicSettings, request: TraceRequest, url: str, database_url_env: str
) -> TraceOutcome:
    """Run the trace job against ``url`` (already at ``request.parents``)."""
    result = run_job(
        TRACE_JOB,
        request.to_json(settings),
        cwd=settings.working_dir,
        database_url_env=database_url_env,
        url=url,
        what="trace",
    )
    return _outcome(result, request)


def _outcome(result: dict[str, Any], request: TraceRequest) -> TraceOutcome:
    """The job's result; a failing seed file is the user's input (exit 2), named."""
    if "seed_failed" in result:
        from migration_guard.errors import InputError, one_line

        raise InputError(f"{request.seed}: the seed SQL failed: {one_line(result['seed_failed'])}")
    return TraceOutcome(tuple(result["revisions"]), tuple(result["seeded_tables"]))


def trace_local(
    settings: AlembicSettings,
    request: TraceRequest,
    database_url_env: str,
    *,
    say: Callable[[str], None] = print,
    postgres: str = "auto",
) -> TraceOutcome:
    """Trace on the cached private server, in a copy of the template at the parents. A traced
    revision whose ``CREATE EXTENSION`` the server cannot satisfy is the environment's problem
    (the cluster names the server and the fix), not an ``upgrade-failed`` finding."""
    from migration_guard.errors import EnvironmentProblem
    from migration_guard.runners.postgres.extensions import unavailable_extension
    from migration_guard.runners.throwaway import database_at

    with database_at(
        settings, database_url_env, request.parents, say=say, postgres=postgres
    ) as url:
        outcome = trace_in_database(settings, request, url, database_url_env)
        for raw in outcome.revisions:
            error = str(raw.get("error", ""))
            if raw.get("upgrade") == "failed" and unavailable_extension(error):
                raise EnvironmentProblem(error)
        return outcome


def trace_compose(
    project: Project, request: TraceRequest, *, say: Callable[[str], None] = print
) -> TraceOutcome:
    """Trace in the compose backend service, on a throwaway database of the db service (the
    job brings it to the first revision's parents itself)."""
    from migration_guard.errors import InputError
    from migration_guard.runners.compose_jobs import compose_jobs

    settings = project.alembic
    with compose_jobs(project.config, project.root, settings.working_dir, "trace", say) as jobs:
        seed = request.seed
        if isinstance(seed, str):
            if not Path(seed).resolve().is_relative_to(jobs.root):
                raise InputError(
                    f"{seed}: with runner = docker the seed file must be inside the project"
                )
            seed = jobs.relative(Path(seed))
        body = {
            "ini_path": jobs.relative(settings.ini_path),
            "revisions": list(request.revisions),
            "seed": seed,
        }
        result = jobs.run(TRACE_JOB, body, "trace")
    return _outcome(result, request)


def seed_path(root: Path, seed: bool | str) -> bool | str:
    """The config's ``trace_seed`` with a file made absolute (the child runs elsewhere)."""
    if isinstance(seed, str):
        path = (root / seed).resolve()
        if not path.is_file():
            from migration_guard.errors import InputError

            raise InputError(f"{seed}: the trace_seed file does not exist (relative to {root})")
        return str(path)
    return seed
