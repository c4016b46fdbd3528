"""The one way a job runs against a throwaway database: a pinned child process.

Every job (autogenerate, compare, trace) is a module with ``job(request) -> result`` (JSON
data) whose ``main`` calls :func:`job_main`. :class:`PreparedJob` starts it (through
:class:`~migration_guard.runners.process.Child`, which owns starting, time limits, interrupts
and failure reasons) before its database exists: it imports Alembic and SQLAlchemy (half a
second) while the parent starts the server and copies the template, then gets a
:class:`JobMessage` on stdin: its request, its environment pinned to the throwaway database
(see :mod:`migration_guard.runners.pinned`) and where to write its result. Until then it is
pinned to a closed port. :func:`run_job` is the same, handed its work at once. In a compose
service (:mod:`migration_guard.runners.compose_jobs`) the job runs as
``python -m MODULE REQUEST.json RESULT.json`` instead, its database retargeted there.

The result is a JSON object; three keys are the protocol's own, read by :func:`read_result` for
the local and the compose runs alike: ``fatal`` (an exception in the job, as one line: the
parent raises EnvironmentProblem), ``input_error`` (the project's problem: InputError) and
``internal`` (a bug of ours, raised in our own code: the parent raises InternalError, which
ends the run as a bug, exit 70, with the child's ``traceback`` kept for MIGRATION_GUARD_DEBUG).
An exception whose innermost frame is the project's code, Alembic's, SQLAlchemy's or a
driver's stays ``fatal``, as does one we raise on purpose (a GuardError, ModelsNotImported).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_guard.errors import EnvironmentProblem, GuardError, InputError, InternalError
from migration_guard.interrupts import deferred_interrupts
from migration_guard.runners.leftovers import scratch_folder
from migration_guard.runners.models_imported import INPUT_ERROR, ModelsNotImported
from migration_guard.runners.pinned import child_environment, url_for_env_py
from migration_guard.runners.process import (
    CHILD_TIMEOUT_SECONDS,
    PREPARED,
    Child,
    failure_reason,
    in_project,
)

JOB_TIMEOUT_SECONDS = CHILD_TIMEOUT_SECONDS
DRIVER = "<driver>"
"""In a prepared child's preload list: the PostgreSQL driver a plain ``postgresql://`` URL
leads SQLAlchemy to (:func:`default_driver`), the other one when that is not installed. Only
one: importing a driver the project does not use costs every run a twentieth of a second."""
RETARGET_ENV = "MIGRATION_GUARD_RETARGET_DATABASE"
FATAL = "fatal"
INTERNAL = "internal"
TRACEBACK = "traceback"
# Port 1 on the loopback: nothing listens there, so a connection before the work arrives fails.
_NOT_YET_URL = "postgresql://migration-guard@127.0.0.1:1/not-yet"

Job = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class JobMessage:
    """What a prepared job's child is handed on stdin."""

    request: dict[str, Any]
    env: dict[str, str]
    """The child's whole environment, pinned (:func:`pinned_env`)."""
    result: str
    """The file the child writes its result to."""

    def to_json(self) -> dict[str, Any]:
        return {"request": self.request, "env": self.env, "result": self.result}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobMessage:
        return cls(dict(data["request"]), dict(data["env"]), str(data["result"]))


def run_job(
    module: str,
    request: dict[str, Any],
    *,
    cwd: Path,
    database_url_env: str,
    url: str,
    what: str,
    timeout: int = JOB_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run ``module``'s job in a child pinned to ``url``; its result, or EnvironmentProblem
    (one taking longer than ``timeout`` seconds too)."""
    with PreparedJob(module, cwd=cwd, what=what) as job:
        return job.run(request, database_url_env=database_url_env, url=url, timeout=timeout)


class PreparedJob:
    """A job's child started ahead of its database; :meth:`run` hands it the work, once."""

    def __init__(self, module: str, *, cwd: Path, what: str) -> None:
        self._what = what
        self._child = Child(
            module,
            PREPARED,
            what=what,
            cwd=cwd,
            env=pinned_env("MIGRATION_GUARD_NOT_YET", _NOT_YET_URL),
        )

    def run(
        self,
        request: dict[str, Any],
        *,
        database_url_env: str,
        url: str,
        timeout: int = JOB_TIMEOUT_SECONDS,
        meanwhile: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Run the job on ``url``; its result (see :func:`read_result`). ``meanwhile`` runs
        here while the child works (imports the caller needs next, on a core that would only
        wait)."""
        with scratch_folder("migration-guard-job-") as scratch:
            result_path = Path(scratch, "result.json")
            env = pinned_env(database_url_env, url)
            self._child.send(JobMessage(request, env, str(result_path)).to_json())
            if meanwhile is not None:
                with deferred_interrupts():  # a Ctrl-C lands after it, not inside an import
                    meanwhile()
            finished = self._child.finish(timeout)
            return read_result(result_path, finished.stderr, self._what)

    def close(self) -> None:
        """Stop the child if it has not run (an error before :meth:`run`, or Ctrl-C)."""
        self._child.stop()

    def __enter__(self) -> PreparedJob:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def with_installed_driver(url: str) -> str:
    """``postgresql://…`` names SQLAlchemy's default driver (psycopg 3 since 2.1); when only
    psycopg2 is installed, name it, so an env.py that uses the URL as given can connect."""
    import importlib.util

    if not url.startswith("postgresql://"):
        return url
    if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def pinned_env(database_url_env: str, url: str) -> dict[str, str]:
    """The child's environment: env.py's URL variable, the pin and libpq's defaults all name
    ``url`` (see :func:`migration_guard.runners.pinned.child_environment`)."""
    url = with_installed_driver(url)
    shown = url_for_env_py(url)
    return child_environment(url, **{database_url_env: shown, "PYTHONDONTWRITEBYTECODE": "1"})


def job_main(job: Job, argv: list[str], preload: Iterable[str] = ()) -> int:
    """The child's side of :func:`run_job` (and of :class:`PreparedJob`, whose child imports
    the ``preload`` modules first, then waits for its work on stdin): pin the engines, run
    ``job``, write its result."""
    from migration_guard.runners.pinned import pin_from_environment

    if argv == [PREPARED]:
        _import_available(preload)
        line = sys.stdin.readline()
        if not line:  # the parent gave up before the database was ready
            return 0
        message = JobMessage.from_json(json.loads(line))
        os.environ.clear()
        os.environ.update(message.env)
        request, result_path = message.request, message.result
    else:
        request_path, result_path = argv
        request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    _retarget(os.environ)
    pin_from_environment()
    try:
        result = job(request)
    except Exception as error:  # reported to the parent as one line
        result = failure_result(error)
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    if argv == [PREPARED]:
        # The parent is waiting on this exit; tearing down SQLAlchemy's and the project's
        # modules would only add to that wait. Everything is written: leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def failure_result(error: Exception) -> dict[str, Any]:
    """The result of a job that raised ``error``: ``input_error`` for an InputError, ``internal``
    (with the traceback) for a bug of ours (:func:`is_our_bug`), else ``fatal``."""
    if isinstance(error, InputError):
        return {INPUT_ERROR: str(error)}
    if is_our_bug(error):
        return {INTERNAL: one_line(error), TRACEBACK: "".join(traceback.format_exception(error))}
    return {FATAL: one_line(error)}


def is_our_bug(error: BaseException) -> bool:
    """``error`` arose in migration-guard's own code (its innermost traceback frame is in this
    package), and is not one we raise on purpose (a GuardError, ModelsNotImported, a driver we
    cannot pin)."""
    from migration_guard.runners.pin_drivers import CannotPin

    if isinstance(error, (GuardError, ModelsNotImported, CannotPin)):
        return False
    if isinstance(error, SyntaxError) and error.filename:  # where the bad source is
        where = error.filename
    else:
        frames = traceback.extract_tb(error.__traceback__)
        if not frames:
            return False
        where = frames[-1].filename
    ours = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    return os.path.realpath(where).startswith(ours + os.sep)


def project_frame(error: BaseException, tree: str) -> tuple[str | None, int | None]:
    """The file and line in the project's code (under ``tree``) where ``error`` arose: a
    SyntaxError's own location, else the innermost traceback frame inside ``tree``."""
    if isinstance(error, SyntaxError) and error.filename:
        return error.filename, error.lineno
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if tree and frame.filename.startswith(tree.rstrip("/") + "/"):
            return frame.filename, frame.lineno
    return None, None


def is_read_only_refusal(error: BaseException) -> bool:
    """PostgreSQL refused a write in a read-only transaction (SQLSTATE 25006): the project's
    env.py writes to the database, so it needs a copy of the template, not the template."""
    for candidate in (error, getattr(error, "orig", None), error.__cause__):
        code = getattr(candidate, "pgcode", None) or getattr(candidate, "sqlstate", None)
        if code == "25006":
            return True
    return "read-only transaction" in str(error)


def _retarget(environ: MutableMapping[str, str]) -> None:
    """In a compose container (:mod:`migration_guard.runners.compose_drift`): the service's own
    database URL, with its database replaced by the throwaway one, becomes the pinned URL."""
    from urllib.parse import quote, urlsplit, urlunsplit

    request = environ.pop(RETARGET_ENV, "")
    if not request:
        return
    variable, _, database = request.partition(" ")
    current = environ.get(variable, "")
    if not current or not database:
        raise SystemExit(f"migration-guard: ${variable} is not set in the container")
    url = urlunsplit(urlsplit(current)._replace(path="/" + quote(database, safe="")))
    pinned = child_environment(url, **{variable: url})  # libpq's PG* defaults too
    environ.clear()
    environ.update(pinned)


def one_line(error: BaseException) -> str:
    """``Type: first line of the message (file:line)``, the line in the project's code."""
    where = ""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if in_project(frame.filename):
            where = f" ({Path(frame.filename).name}:{frame.lineno})"
            break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def read_result(result_path: Path, stderr: str, what: str) -> dict[str, Any]:
    """What the job wrote to ``result_path``; EnvironmentProblem when it wrote nothing (its
    stderr says why: :func:`~migration_guard.runners.process.failure_reason`) or reported a
    fatal error, InputError when it reported the project's problem, InternalError when it ran
    into a bug of ours."""
    if not result_path.exists():
        raise EnvironmentProblem(f"{what} failed: {failure_reason(stderr)}")
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    if INTERNAL in result:
        raise InternalError(str(result[INTERNAL]), str(result.get(TRACEBACK) or ""))
    if FATAL in result:
        raise EnvironmentProblem(f"{what} failed: {result[FATAL]}")
    if INPUT_ERROR in result:  # the project's problem, not the environment's
        raise InputError(str(result[INPUT_ERROR]))
    return result


def _import_available(modules: Iterable[str]) -> None:
    """Import ``modules`` while the parent readies the database; one that cannot be imported
    is left to fail (or not) where the job needs it."""
    import importlib

    for name in modules:
        for candidate in drivers_in_order() if name == DRIVER else (name,):
            try:
                importlib.import_module(candidate)
            except ImportError:
                continue
            break


def default_driver() -> str:
    """The DBAPI SQLAlchemy connects a plain ``postgresql://`` URL with (psycopg 3 since
    SQLAlchemy 2.1, psycopg2 before)."""
    from sqlalchemy.dialects import postgresql

    return str(postgresql.dialect.driver)


def drivers_in_order() -> tuple[str, str]:
    """psycopg and psycopg2, SQLAlchemy's default (:func:`default_driver`) first."""
    first = default_driver()
    return (first, "psycopg2" if first == "psycopg" else "psycopg")
