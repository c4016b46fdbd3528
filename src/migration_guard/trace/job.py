"""Trace revisions on a throwaway database (the parent's side of the trace job)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migration_guard.config.alembic_ini import AlembicSettings
from migration_guard.project.opened import Project
from migration_guard.runners.child import JOB_TIMEOUT_SECONDS, run_job
from migration_guard.trace_results import RevisionRun

TRACE_JOB = "migration_guard.trace.worker"


@dataclass(frozen=True)
class TraceRequest:
    """What to trace: revisions in graph order, the first one's parents, the seed, the limit
    of each step in seconds, and (on a restart) the revisions no later one can reach."""

    revisions: tuple[str, ...]
    parents: tuple[str, ...]
    seed: bool | str = False
    timeout: int = 300
    unreachable: tuple[str, ...] = ()

    def to_json(self, settings: AlembicSettings) -> dict[str, Any]:
        return {
            "ini_path": str(settings.ini_path),
            "revisions": list(self.revisions),
            "seed": self.seed,
            "seed_at": list(self.parents),
            "timeout": self.timeout,
            "unreachable": list(self.unreachable),
        }

    def rest(self, done: TraceOutcome) -> TraceRequest:
        """The revisions the job did not get to (it stops after one that left its database
        other than the history says), to trace on a fresh copy of the start."""
        finished = {run.revision for run in done.revisions}
        unreachable = {
            run.revision for run in done.revisions if run.skipped is not None or run.unreachable
        }
        return replace(
            self,
            revisions=tuple(rev for rev in self.revisions if rev not in finished),
            unreachable=tuple(sorted(unreachable | set(self.unreachable))),
        )


@dataclass(frozen=True)
class TraceOutcome:
    """The trace job's result: one run per revision and the seeded tables."""

    revisions: tuple[RevisionRun, ...]
    seeded_tables: tuple[str, ...] = field(default=())

    def then(self, later: TraceOutcome) -> TraceOutcome:
        """This outcome followed by a restart's (whose seeded tables are the same ones)."""
        return TraceOutcome(self.revisions + later.revisions, self.seeded_tables)


def traced_in_turns(
    request: TraceRequest, run: Callable[[TraceRequest], TraceOutcome]
) -> TraceOutcome:
    """``run`` the request on a fresh database at its start, again with the rest each time the
    job stopped early: each revision is judged from its parents' state as the history makes
    it, whatever an earlier revision's downgrade left behind."""
    outcome = run(request)
    rest = request.rest(outcome)
    while rest.revisions and outcome.revisions:
        later = run(rest)
        if not later.revisions:
            break
        outcome = outcome.then(later)
        rest = rest.rest(later)
    return outcome


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
        timeout=job_timeout(request),
    )
    return _outcome(result, request)


def _outcome(result: dict[str, Any], request: TraceRequest) -> TraceOutcome:
    """The job's result; a failing seed file is the user's input (exit 2), named."""
    if "seed_failed" in result:
        from migration_guard.errors import InputError, one_line

        raise InputError(f"{request.seed}: the seed SQL failed: {one_line(result['seed_failed'])}")
    return TraceOutcome(
        tuple(RevisionRun.from_json(run) for run in result["revisions"]),
        tuple(result.get("seeded_tables", ())),
    )


def job_timeout(request: TraceRequest) -> int:
    """The whole job's limit: the child's default, or more when every step may take its own."""
    return max(JOB_TIMEOUT_SECONDS, 3 * request.timeout * len(request.revisions) + 600)


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
    from migration_guard.runners import templates
    from migration_guard.runners.cluster import cluster, say_standins_used
    from migration_guard.runners.postgres.extensions import unavailable_extension
    from migration_guard.runners.throwaway import template_for

    with cluster(say, postgres) as server:
        template = (
            template_for(server.url, settings, database_url_env, request.parents, say)
            if request.parents
            else None
        )

        def run(turn: TraceRequest) -> TraceOutcome:
            with templates.work_database(server.url, template) as url:
                outcome = trace_in_database(settings, turn, url, database_url_env)
                for run in outcome.revisions:
                    if run.upgrade == "failed" and unavailable_extension(run.error):
                        raise EnvironmentProblem(run.error)
                if turn is request:
                    say_standins_used(server, url, say)
                return outcome

        return traced_in_turns(request, run)


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

        def run(turn: TraceRequest) -> TraceOutcome:
            if turn is not request:
                jobs.recreate_database()
            body = {**turn.to_json(settings), "ini_path": jobs.relative(settings.ini_path)}
            return _outcome(jobs.run(TRACE_JOB, {**body, "seed": seed}, "trace"), turn)

        return traced_in_turns(request, run)


def seed_path(root: Path, seed: bool | str) -> bool | str:
    """The config's ``trace_seed`` with a file made absolute (the child runs elsewhere)."""
    if isinstance(seed, str):
        path = (root / seed).resolve()
        if not path.is_file():
            from migration_guard.errors import InputError

            raise InputError(f"{seed}: the trace_seed file does not exist (relative to {root})")
        return str(path)
    return seed
