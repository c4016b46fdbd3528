"""The drift check's execution: the pending autogenerate operations of an exported tree.

Local: the compare child (:mod:`migration_guard.drift.worker`) is prepared first and
imports Alembic while the cached server starts; it compares on the history's template itself,
made read-only (a copy only when env.py writes). When the history has no template yet, the
same child replays it into the database that becomes the template and compares there, right
after the replay: one child imports the app, not one to replay and another to compare (half a
second on every commit that adds a revision). Only when a revision fails to upgrade does the
replay go on in children of its own, stepping over it. Docker (``runner = "docker"``): the same job in
the compose backend service on a throwaway database (:mod:`migration_guard.runners.compose_jobs`).
A failure in the project's code comes back as ``{"failed": …}`` for the caller to name; a
revision whose upgrade failed during the replay comes back in ``upgrade_failed`` (the replay
stepped over it), and a template built that way is not kept, so the next run reports it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from migration_guard.autogenerate.messages import AutogenRequest, AutogenResult
from migration_guard.drift.worker import (
    DriftReply,
    DriftRequest,
    Operation,
    ProjectFailure,
    UpgradeFailure,
)
from migration_guard.project.tree_export import ExportedTree

if TYPE_CHECKING:
    from migration_guard.runners.child import PreparedJob
    from migration_guard.runners.compose_jobs import ComposeJobs

WORKER = "migration_guard.drift.worker"
WHAT = "the drift check"


@dataclass(frozen=True)
class Drift:
    """The pending operations, the revisions the replay stepped over (their upgrade failed), or
    ``failed``: the project's code (or the database) failed, nothing was compared."""

    operations: tuple[Operation, ...] = ()
    upgrade_failed: tuple[UpgradeFailure, ...] = ()
    failed: ProjectFailure | None = None


class _ProjectCodeFailed(Exception):
    """The project's code failed while the template was being built."""

    def __init__(self, failed: ProjectFailure) -> None:
        super().__init__(failed.message)
        self.failed = failed


@dataclass
class GenerateAlong:
    """The hook's request to the local compare child: when it finds drift, autogenerate the
    revision right away (``message``; ``render``: its SQL too), in the exported tree on the same
    database. ``generated`` is the autogenerate child's result for it, or None (not asked,
    no drift, or it failed there)."""

    message: str
    render: bool
    generated: AutogenResult | None = None
    meanwhile: Callable[[], None] | None = None
    """Runs in this process while the child compares and generates."""


def pending_operations(
    tree: ExportedTree, say: Callable[[str], None], along: GenerateAlong | None = None
) -> Drift:
    """What autogenerate would add to reach the tree's models (see :class:`Drift`)."""
    if tree.project.config.runner == "docker":
        return _compose_operations(tree, say)
    try:
        return _local_operations(tree, say, along)
    except _ProjectCodeFailed as failure:
        return Drift(failed=failure.failed)


def _local_operations(
    tree: ExportedTree, say: Callable[[str], None], along: GenerateAlong | None
) -> Drift:
    from migration_guard.runners import templates
    from migration_guard.runners.child import PreparedJob
    from migration_guard.runners.cluster import cluster, say_standins_used
    from migration_guard.runners.postgres import databases as pg

    settings = tree.project.alembic
    # The compare child imports Alembic while the server starts and the template is copied.
    with (
        PreparedJob(WORKER, cwd=settings.working_dir, what=WHAT) as compare,
        cluster(say, _postgres(tree)) as server,
    ):
        template = templates.TEMPLATE_PREFIX + templates.history_key(settings)[:24]
        upgrade_failed: tuple[UpgradeFailure, ...] = ()
        result: DriftReply | None = None
        if pg.database_exists(server.url, template):
            say("  template database found in the cache: history not replayed")
        else:
            say("  replaying the history into a fresh template database (cached for next time)")
            failed: list[UpgradeFailure] = []
            try:
                result = _replay_and_compare(tree, server.url, template, compare, along, failed)
            except _Restart:  # a revision failed to upgrade: replayed without it
                upgrade_failed = _replay(tree, server.url, template, say, failed)
        say_standins_used(server, pg.database_url(server.url, template), say)
        try:
            templates.mark_used(server.url, template)
            templates.prune_templates(server.url, keep=template)
            # Comparing only reads: on the template itself, made read-only for every session
            # (no copy to make and drop). An env.py that writes fails there; it gets a copy.
            templates.make_read_only(server.url, template)
            if result is None and upgrade_failed:  # the prepared child has replayed already
                with PreparedJob(WORKER, cwd=settings.working_dir, what=WHAT) as again:
                    result = _compare_on(tree, again, pg.database_url(server.url, template), along)
            elif result is None:
                result = _compare_on(tree, compare, pg.database_url(server.url, template), along)
            if result.failed is not None and result.failed.read_only:
                say("  env.py writes to the database: comparing on a copy of the template")
                with templates.work_database(server.url, template) as work:
                    result = _run_worker(tree, work, "compare", along=along)
        finally:
            if upgrade_failed:  # not the history's schema: never reused
                templates.drop_quietly(server.url, template)
    if along is not None:
        along.generated = result.generated
    return Drift(result.operations, upgrade_failed, result.failed)


def _replay_and_compare(
    tree: ExportedTree,
    server_url: str,
    template: str,
    child: PreparedJob,
    along: GenerateAlong | None,
    failed: list[UpgradeFailure],
) -> DriftReply:
    """The prepared ``child`` replays the history into a new database, which becomes
    ``template``, and compares right there: its reply. A revision that fails to upgrade is
    appended to ``failed`` and :class:`_Restart` raised, for :func:`_replay` to step over it."""
    from migration_guard.runners import templates

    with templates.building_template(server_url, template) as target:
        reply = _compare_on(tree, child, target, along, action="upgrade-compare")
        if reply.failed is not None and not reply.failed.read_only:
            _raise_if_extension_missing(reply.failed.message)
            raise _ProjectCodeFailed(reply.failed)
        _restart_if_upgrade_failed(reply, failed)
    return reply


def _compare_on(
    tree: ExportedTree,
    child: PreparedJob,
    url: str,
    along: GenerateAlong | None,
    action: str = "compare",
) -> DriftReply:
    """The prepared ``child``'s reply to ``action`` on the database at ``url``."""
    from migration_guard.runners.child import with_installed_driver

    return DriftReply.from_json(
        child.run(
            _request(tree, action, along).to_json(),
            database_url_env=tree.project.config.database_url_env,
            url=with_installed_driver(url),
            meanwhile=along.meanwhile if along is not None else None,
        )
    )


def _postgres(tree: ExportedTree) -> str:
    """The config's server choice, a relative folder taken from the real project (not the
    export)."""
    from dataclasses import replace

    return replace(tree.project.config, root=tree.real_root).postgres_choice


def _compose_operations(tree: ExportedTree, say: Callable[[str], None]) -> Drift:
    """The pending operations, computed in the backend container on a throwaway database."""
    from migration_guard.runners.compose_jobs import compose_jobs

    settings = tree.project.alembic
    upgrade_failed: list[UpgradeFailure] = []
    while True:  # a revision that fails: again on a new throwaway database, stepped over
        with compose_jobs(
            tree.project.config, tree.root, settings.working_dir, "drift", say
        ) as jobs:
            request = DriftRequest(
                jobs.relative(settings.ini_path),
                jobs.relative(tree.root),
                "upgrade",
                tuple(entry.revision for entry in upgrade_failed),
            )
            result = DriftReply.from_json(jobs.run(WORKER, request.to_json(), WHAT))
            entry = result.upgrade_failed
            if entry is not None:
                upgrade_failed.append(replace(entry, path=_host_path(jobs, entry.path)))
                continue
            if result.failed is None:
                compare = replace(request, action="compare")
                result = DriftReply.from_json(jobs.run(WORKER, compare.to_json(), WHAT))
            if result.failed is not None:
                failed = replace(result.failed, path=_host_path(jobs, result.failed.path))
                return Drift(failed=failed)
        return Drift(result.operations, tuple(upgrade_failed))


def _host_path(jobs: ComposeJobs, path: str | None) -> str | None:
    shown = jobs.host_path(path)
    return shown if isinstance(shown, str) else None


def _build_template_skipping(
    tree: ExportedTree, server_url: str, template: str, failed: list[UpgradeFailure]
) -> tuple[UpgradeFailure, ...]:
    """``alembic upgrade heads`` into a new database, renamed to ``template`` once complete,
    the ``failed`` revisions stepped over; a new failure is appended and :class:`_Restart`
    raised (what a failed run leaves behind depends on env.py's transactions, so the next
    attempt starts on a new database)."""
    from migration_guard.runners import templates

    with templates.building_template(server_url, template) as target:
        skip = tuple(entry.revision for entry in failed)
        _restart_if_upgrade_failed(_run_worker(tree, target, "upgrade", skip), failed)
    return tuple(failed)


def _restart_if_upgrade_failed(reply: DriftReply, failed: list[UpgradeFailure]) -> None:
    """A revision that failed to upgrade during a replay: appended to ``failed`` and
    :class:`_Restart` raised (the half-built database is dropped)."""
    if reply.upgrade_failed is not None:
        # a CREATE EXTENSION this server cannot satisfy: the environment's, not a finding
        _raise_if_extension_missing(reply.upgrade_failed.error)
        failed.append(reply.upgrade_failed)
        raise _Restart


class _Restart(Exception):
    """Replay again on a new database."""


def _replay(
    tree: ExportedTree,
    server_url: str,
    template: str,
    say: Callable[[str], None],
    failed: list[UpgradeFailure],
) -> tuple[UpgradeFailure, ...]:
    """:func:`_build_template_skipping` until it completes, stepping over the ``failed``
    revisions and each one that fails next; each restart said."""
    if failed:
        say(f"  {failed[-1].revision} failed to upgrade: replaying again without it")
    while True:
        try:
            return _build_template_skipping(tree, server_url, template, failed)
        except _Restart:
            say(f"  {failed[-1].revision} failed to upgrade: replaying again without it")


def _run_worker(
    tree: ExportedTree,
    url: str,
    action: str,
    skip: tuple[str, ...] = (),
    along: GenerateAlong | None = None,
) -> DriftReply:
    from migration_guard.runners.child import run_job, with_installed_driver

    settings = tree.project.alembic
    result = DriftReply.from_json(
        run_job(
            WORKER,
            replace(_request(tree, action, along), skip=skip).to_json(),
            cwd=settings.working_dir,
            database_url_env=tree.project.config.database_url_env,
            url=with_installed_driver(url),
            what=WHAT,
        )
    )
    if result.failed is not None:
        _raise_if_extension_missing(result.failed.message)
        raise _ProjectCodeFailed(result.failed)
    return result


def _raise_if_extension_missing(message: str) -> None:
    """A ``CREATE EXTENSION`` the server cannot satisfy is the environment's problem: the
    cluster turns it into the one line naming the server and the fix."""
    from migration_guard.errors import EnvironmentProblem
    from migration_guard.runners.postgres.extensions import unavailable_extension

    if unavailable_extension(message):
        raise EnvironmentProblem(message)


def _request(tree: ExportedTree, action: str, along: GenerateAlong | None = None) -> DriftRequest:
    settings = tree.project.alembic
    root = str(tree.root.resolve())
    generate = None
    if along is not None:
        generate = AutogenRequest(
            str(settings.ini_path),
            along.message,
            tree=root,
            render=along.render,
            database_url_env=tree.project.config.database_url_env,
        )
    return DriftRequest(str(settings.ini_path), root, action, generate=generate)
