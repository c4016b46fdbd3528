"""The one way a job runs against a throwaway database: a pinned child process.

Every job (autogenerate, compare, trace) is a module with ``job(request) -> result`` (plain
JSON data) run as ``python -m MODULE REQUEST.json RESULT.json``; :func:`run_job` starts it
with every engine pinned to the throwaway database (see :mod:`migration_guard.runners.pinned`)
and :func:`job_main` is the child's side: pin, read, run, write. An exception in the job comes
back as ``{"fatal": one line}``; the parent turns it into an EnvironmentProblem.

:class:`PreparedJob` starts the child before its database exists: it imports Alembic and
SQLAlchemy (half a second) while the parent starts the server and copies the template, then
gets its request, environment and URL on stdin. Until then it is pinned to a closed port.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any

from migration_guard.errors import EnvironmentProblem, InputError
from migration_guard.runners.leftovers import scratch_folder
from migration_guard.runners.lifeline import dies_with_us
from migration_guard.runners.models_imported import INPUT_ERROR
from migration_guard.runners.pinned import child_environment, url_for_env_py

JOB_TIMEOUT_SECONDS = 1800
DRIVERS = ("psycopg2", "psycopg")
"""The PostgreSQL drivers a prepared child imports ahead (whichever is installed)."""
PREPARED = "--prepared"
RETARGET_ENV = "MIGRATION_GUARD_RETARGET_DATABASE"
# Port 1 on the loopback: nothing listens there, so a connection before the work arrives fails.
_NOT_YET_URL = "postgresql://migration-guard@127.0.0.1:1/not-yet"

Job = Callable[[dict[str, Any]], dict[str, Any]]


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
    with scratch_folder("migration-guard-job-") as scratch:
        request_path = Path(scratch, "request.json")
        result_path = Path(scratch, "result.json")
        request_path.write_text(json.dumps(request), encoding="utf-8")
        try:
            completed = subprocess.run(
                [sys.executable, "-m", module, str(request_path), str(result_path)],
                cwd=cwd,
                env=pinned_env(database_url_env, url),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                **dies_with_us(),
            )
        except subprocess.TimeoutExpired:
            raise EnvironmentProblem(f"{what} did not finish within {timeout} s") from None
        return _job_result(result_path, completed.stderr, what)


class PreparedJob:
    """A job's child started ahead of its database; :meth:`run` hands it the work, once."""

    def __init__(self, module: str, *, cwd: Path, what: str) -> None:
        self._what = what
        self._process = subprocess.Popen(
            [sys.executable, "-m", module, PREPARED],
            cwd=cwd,
            env=pinned_env("MIGRATION_GUARD_NOT_YET", _NOT_YET_URL),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            **dies_with_us(),
        )

    def run(
        self,
        request: dict[str, Any],
        *,
        database_url_env: str,
        url: str,
        meanwhile: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Run the job on ``url``; its result, or EnvironmentProblem (as :func:`run_job`).
        ``meanwhile`` runs here while the child works (imports the caller needs next, on a
        core that would only wait)."""
        with scratch_folder("migration-guard-job-") as scratch:
            result_path = Path(scratch, "result.json")
            message = {
                "request": request,
                "env": pinned_env(database_url_env, url),
                "result": str(result_path),
            }
            text: str | None = json.dumps(message) + "\n"
            if meanwhile is not None and self._process.stdin is not None:
                try:
                    self._process.stdin.write(text)
                    self._process.stdin.flush()
                    text = None
                except OSError:  # the child died early: its stderr says why
                    text = None
                else:
                    meanwhile()
            try:
                _, stderr = self._process.communicate(text, timeout=JOB_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.close()
                raise EnvironmentProblem(
                    f"{self._what} did not finish within {JOB_TIMEOUT_SECONDS} s"
                ) from None
            return _job_result(result_path, stderr or "", self._what)

    def close(self) -> None:
        """Stop the child if it has not run (an error before :meth:`run`, or Ctrl-C)."""
        if self._process.returncode is None:  # run() collected it already otherwise
            self._process.kill()
            self._process.communicate()

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
        message = json.loads(line)
        os.environ.clear()
        os.environ.update(message["env"])
        request, result_path = message["request"], message["result"]
    else:
        request_path, result_path = argv
        request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    _retarget(os.environ)
    pin_from_environment()
    try:
        result = job(request)
    except Exception as error:  # reported to the parent as one line
        result = {"fatal": one_line(error)}
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    if argv == [PREPARED]:
        # The parent is waiting on this exit; tearing down SQLAlchemy's and the project's
        # modules would only add to that wait. Everything is written: leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


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
        if _in_project(frame.filename):
            where = f" ({Path(frame.filename).name}:{frame.lineno})"
            break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def _job_result(result_path: Path, stderr: str, what: str) -> dict[str, Any]:
    """What the job wrote to ``result_path``; EnvironmentProblem when it wrote nothing (its
    stderr's last line says why) or reported a fatal error."""
    if not result_path.exists():
        raise EnvironmentProblem(f"{what} failed: {failure_reason(stderr)}")
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    if "fatal" in result:
        raise EnvironmentProblem(f"{what} failed: {result['fatal']}")
    if INPUT_ERROR in result:  # the project's problem, not the environment's
        raise InputError(str(result[INPUT_ERROR]))
    return result


def _import_available(modules: Iterable[str]) -> None:
    """Import ``modules`` while the parent readies the database; one that cannot be imported
    is left to fail (or not) where the job needs it."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


def failure_reason(stderr: str) -> str:
    """Why a Python child failed, from its stderr: the exception line of its last traceback
    (``ProgrammingError: (psycopg2.errors.UndefinedFunction) function f() does not exist``)
    with the innermost frame in the project's code (``(0001_init.py:12)``), as :func:`one_line`
    says it for a job's own error; the last line when there is no traceback. (The last line
    of a SQLAlchemy error is only its "Background on this error at: …" link.)"""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return _last_line(stderr)
    where = ""
    for line in lines[starts[-1] + 1 :]:
        frame = _FRAME.match(line)
        if frame is not None:
            path = frame.group(1)
            if _in_project(path):
                where = f" ({Path(path).name}:{frame.group(2)})"
            continue
        if line.strip() and not line[0].isspace():
            return _DOTTED_TYPE.sub(r"\1:", line.strip(), count=1) + where
    return _last_line(stderr)


_FRAME = re.compile(r'\s+File "([^"]+)", line (\d+)')


def _in_project(path: str) -> bool:
    """Not Python's own, an installed package's or ours (a project's ``app/alembic/versions``
    is the project's)."""
    import sysconfig

    if path.startswith("<") or "site-packages" in path or "dist-packages" in path:
        return False
    ours = str(Path(__file__).resolve().parents[1])
    stdlib = sysconfig.get_paths()["stdlib"]
    return not path.startswith((ours + os.sep, stdlib + os.sep))


_DOTTED_TYPE = re.compile(r"^[\w.]+\.(\w+):")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
