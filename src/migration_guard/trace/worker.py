"""The trace job (runs in a pinned child): each revision up, down and up again, observed.

``python -m migration_guard.trace.worker REQUEST.json RESULT.json`` (see
:mod:`migration_guard.runners.child`). The request names alembic.ini, the revisions in graph
order, an optional seed and where it goes (the first traced revision's parents), the seconds
each step may run (``trace_timeout``, see :mod:`migration_guard.trace.watchdog`) and the
revisions an earlier job could not upgrade; the database (at the seed's revisions, or empty) is
the pinned URL. For each revision the result holds a
:class:`~migration_guard.trace_results.RevisionRun`: every statement its first upgrade executed
(SQL, the line of the revision file that issued it, locks held right after it, tables rewritten,
constraints added NOT VALID or validated, milliseconds, whether a transaction was open), how
upgrade and downgrade went, and the schema differences a downgrade left behind. The engines
env.py creates are reused from step to step (:mod:`migration_guard.trace.engine_reuse`).

The job stops after a revision that left the database other than the history says (an upgrade
or downgrade that failed, a downgrade that did not restore the schema): the parent runs the
rest on a fresh copy (:func:`migration_guard.trace.job.traced_in_turns`), so every
revision is judged from its parents' state. A downgrade that ran no SQL at all (``pass``) left
the database as the upgrade made it: stamped back to the revision, the job goes on. A revision
built on one that could not be upgraded is skipped without touching the database.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

from migration_guard.render.op_lines import OpLines
from migration_guard.runners.child import job_main, one_line
from migration_guard.runners.pinned import PINNED_URL_ENV
from migration_guard.trace import observe
from migration_guard.trace.engine_reuse import reuse_engines
from migration_guard.trace.sampler import LockSampler, merged
from migration_guard.trace.watchdog import Watchdog
from migration_guard.trace_results import ExecutedStatement, HeldLock, RevisionRun


@dataclass
class _Recorder:
    """The cursor listener's state: which revision file is running and what it executed."""

    observer: Any
    files: set[str] = field(default_factory=set)
    tracing: bool = False
    statements: list[ExecutedStatement] = field(default_factory=list)
    existing: set[str] = field(default_factory=set)
    pids: dict[int, int] = field(default_factory=dict)
    last: observe.Snapshot | None = None
    pending_line: int | None = None
    pending_sql: str = ""
    started: float = 0.0
    watchdog: Watchdog | None = None
    sampler: LockSampler | None = None
    """Watching a statement run outside a transaction, whose locks are gone when it returns."""
    issued: int = 0  # statements the revision file issued (counted for the downgrade)

    def __post_init__(self) -> None:
        # lint's mapping: the outermost line of the revision file (an op. call inside a helper
        # maps to the helper's call in upgrade()), and inside batch_alter_table the batch_op.
        # line that recorded the operation Alembic replays at the end of the with block
        self.op_lines = OpLines(lambda filename: filename in self.files)

    def line_of(self, frame: FrameType | None) -> int | None:
        return self.op_lines.line_of(frame)

    def before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self.pending_line = self.line_of(sys._getframe(1))
        self.pending_sql = statement.strip()
        if self.pending_line is not None:
            self.issued += 1
        if not self.tracing or self.pending_line is None:
            return
        dbapi = conn.connection.dbapi_connection
        if id(dbapi) not in self.pids:
            self.pids[id(dbapi)] = observe.backend_pid(dbapi)
        if self.last is None:
            self.last = observe.snapshot(dbapi)
        self.stop_sampling()
        if getattr(dbapi, "autocommit", False):
            self.sampler = LockSampler(self.observer, self.pids[id(dbapi)])
        self.started = time.perf_counter()

    def stop_sampling(self) -> list[dict[str, str]]:
        """The locks the sampler saw (none when no statement was sampled); it stops."""
        sampler, self.sampler = self.sampler, None
        return sampler.stop() if sampler is not None else []

    def after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        line = self.pending_line
        if not self.tracing or line is None:
            return
        elapsed = (time.perf_counter() - self.started) * 1000
        sampled = self.stop_sampling()
        dbapi = conn.connection.dbapi_connection
        held = observe.held_locks(self.observer, self.pids[id(dbapi)])
        now = observe.snapshot(dbapi)
        previous = self.last or now
        not_valid, validated = observe.constraint_changes(previous, now)
        locks = merged(held, sampled) if sampled else held
        self.statements.append(
            ExecutedStatement(
                sql=statement.strip(),
                line=line,
                locks=tuple(HeldLock.from_json(lock) for lock in locks),
                rewrites=tuple(observe.rewritten(previous, now, self.existing)),
                not_valid=tuple(not_valid),
                validated=tuple(validated),
                ms=round(elapsed, 2),
                in_transaction=not getattr(dbapi, "autocommit", False),
            )
        )
        self.last = now


def trace(request: dict[str, Any]) -> dict[str, Any]:
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from migration_guard.runners.alembic_import import alembic_config

    ini_path = Path(request["ini_path"])
    os.chdir(ini_path.parent)
    config = alembic_config(ini_path)
    script = ScriptDirectory.from_config(config)
    reuse_engines()
    url = os.environ[PINNED_URL_ENV]
    observer = observe.connect_observer(url)
    recorder = _Recorder(observer)
    recorder.op_lines.patch_batch_mode()
    event.listen(Engine, "before_cursor_execute", recorder.before)
    event.listen(Engine, "after_cursor_execute", recorder.after)
    results: list[RevisionRun] = []
    seeded: list[str] = []
    unreachable = set(request.get("unreachable", ()))
    revisions: list[str] = request["revisions"]
    recorder.watchdog = Watchdog(url, request.get("timeout", 300), observe.backend_pid(observer))
    try:
        if request.get("seed"):
            try:  # the seed goes where the first traced revision starts, on a restart too
                _bring_to_parents(command, config, observer, request.get("seed_at", ()))
            except Exception as error:
                why = one_line(error)
                runs = [RevisionRun(rev, skipped=why, unreachable=True) for rev in revisions]
                return {"revisions": [run.to_json() for run in runs]}
            from migration_guard.trace.seed import SeedFailed, seed_database

            try:
                seeded = seed_database(observer, request["seed"])
            except SeedFailed as error:
                return {"seed_failed": str(error)}
        for rev in revisions:
            found = script.get_revision(rev)
            recorder.files = {found.path, os.path.realpath(found.path)}
            blocked = _blocked_by(script, rev, unreachable)
            if blocked is not None:  # judged without touching the database
                unreachable.add(rev)
                results.append(RevisionRun(rev, skipped=f"{blocked} did not upgrade"))
                continue
            try:
                _bring_to_parents(command, config, observer, found._all_down_revisions)
            except Exception as error:  # the database may be half-way: the rest start afresh
                unreachable.add(rev)
                results.append(RevisionRun(rev, skipped=one_line(error), unreachable=True))
                break
            run, at_revision = _trace_one(command, config, script, found, recorder)
            results.append(run)
            if run.unreachable:
                unreachable.add(rev)
            if not at_revision:
                break  # not where the history says it is: the rest start from a fresh copy
    finally:
        recorder.watchdog.close()
        observer.close()
    return {"revisions": [run.to_json() for run in results], "seeded_tables": seeded}


def _blocked_by(script: Any, rev: str, unreachable: set[str]) -> str | None:
    """An ancestor of ``rev`` this trace could not upgrade (so neither can ``rev``'s parent)."""
    if not unreachable:
        return None
    for ancestor in script.revision_map.iterate_revisions(rev, "base"):
        if ancestor.revision != rev and ancestor.revision in unreachable:
            return str(ancestor.revision)
    return None


def _bring_to_parents(command: Any, config: Any, observer: Any, down: Any) -> None:
    """Upgrade (untraced) until every parent of the next revision is applied."""
    parents = [down] if isinstance(down, str) else list(down or ())
    heads = observe.version_heads(observer)
    for parent in parents:
        if heads is not None and parent in heads:
            continue
        command.upgrade(config, parent)


def _trace_one(
    command: Any, config: Any, script: Any, found: Any, recorder: _Recorder
) -> tuple[RevisionRun, bool]:
    """The revision's run, and whether the database is now where the history puts it after
    the revision (else the job stops and the rest start afresh)."""
    run = RevisionRun(found.revision)
    before = observe.catalogue(recorder.observer)
    recorder.existing = observe.existing_tables(recorder.observer)
    recorder.statements, recorder.last, recorder.pids = [], None, {}
    recorder.tracing = True
    try:
        _run_step(config, script, found, recorder, upgrade=True)
    except Exception as error:
        failed = _failure(recorder, run, error)
        return replace(
            failed, upgrade="failed", unreachable=True, statements=_taken(recorder)
        ), False
    finally:
        recorder.tracing = False
        recorder.stop_sampling()  # a statement that failed never reached after()
    run = replace(run, statements=_taken(recorder))
    recorder.issued = 0
    try:
        _run_step(config, script, found, recorder, upgrade=False)
    except Exception as error:
        return replace(_failure(recorder, run, error), downgrade="failed"), False
    after = observe.catalogue(recorder.observer)
    if after != before:
        run = replace(
            run,
            downgrade="not-reversible",
            left_behind=tuple(sorted(set(after) - set(before))),
            missing=tuple(sorted(set(before) - set(after))),
        )
        if recorder.issued == 0:
            # a downgrade that ran no SQL (`pass`) left the database as the upgrade made it:
            # back on the revision, the rest go on here instead of replaying from the start
            command.stamp(config, found.revision)
            return run, True
    else:
        run = replace(run, downgrade="ok")
    try:
        _run_step(config, script, found, recorder, upgrade=True)
    except Exception as error:
        if run.downgrade == "ok":
            failed = _failure(recorder, run, error)
            failed = replace(
                failed, upgrade="failed", error="again after downgrade: " + failed.error
            )
            return failed, False
        # else it failed on what the downgrade left behind: that is the finding already
    return run, run.downgrade == "ok"


def _taken(recorder: _Recorder) -> tuple[ExecutedStatement, ...]:
    """The statements the upgrade executed (the recorder's list is reset per revision)."""
    return tuple(recorder.statements)


def _run_step(config: Any, script: Any, found: Any, recorder: _Recorder, *, upgrade: bool) -> None:
    """One revision up or down with the project's env.py, as ``alembic upgrade`` runs it,
    cancelled past ``trace_timeout``."""
    from alembic.runtime import migration
    from alembic.runtime.environment import EnvironmentContext

    step = migration.RevisionStep(script.revision_map, found, upgrade)
    with EnvironmentContext(
        config,
        script,
        fn=lambda heads, context: [step],
        destination_rev=found.revision if upgrade else found.down_revision,
    ):
        assert recorder.watchdog is not None
        with recorder.watchdog.step():
            script.run_env()


def _failure(recorder: _Recorder, run: RevisionRun, error: BaseException) -> RevisionRun:
    """``run`` with the failed step's error and line; past ``trace_timeout``, which statement
    was cancelled."""
    line = _failed_line(recorder, error)
    watchdog = recorder.watchdog
    if watchdog is None or not watchdog.fired:
        return replace(run, error=_error_text(error), line=line)
    return replace(
        run,
        error=f"the statement ran longer than trace_timeout ({watchdog.seconds} s) "
        f"and was cancelled: {recorder.pending_sql}",
        line=line,
        sql=recorder.pending_sql,
    )


def _error_text(error: BaseException) -> str:
    """The PostgreSQL error's first line without SQLAlchemy's ``(driver.errors.Name)`` prefix."""
    original = getattr(error, "orig", None)
    if original is not None and str(original).strip():
        return str(original).strip().splitlines()[0]
    return one_line(error)


def _failed_line(recorder: _Recorder, error: BaseException) -> int | None:
    """The revision file's line of the failing statement, else of the raising frame."""
    if getattr(error, "orig", None) is not None and recorder.pending_line is not None:
        return recorder.pending_line
    tb = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in recorder.files:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line if line is not None else recorder.pending_line


if __name__ == "__main__":
    raise SystemExit(job_main(trace, sys.argv[1:]))
