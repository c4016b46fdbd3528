"""The one way a job runs against a throwaway database: a pinned child process.

Every job (autogenerate, compare, trace) is a module with ``job(request) -> result`` (plain
JSON data) run as ``python -m MODULE REQUEST.json RESULT.json``; :func:`run_job` starts it
with every engine pinned to the throwaway database (see :mod:`migration_guard.runners.pinned`)
and :func:`job_main` is the child's side: pin, read, run, write. An exception in the job comes
back as ``{"fatal": one line}``; the parent turns it into an EnvironmentProblem.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.pinned import child_environment

JOB_TIMEOUT_SECONDS = 1800

Job = Callable[[dict[str, Any]], dict[str, Any]]


def run_job(
    module: str,
    request: dict[str, Any],
    *,
    cwd: Path,
    database_url_env: str,
    url: str,
    what: str,
) -> dict[str, Any]:
    """Run ``module``'s job in a child pinned to ``url``; its result, or EnvironmentProblem."""
    with tempfile.TemporaryDirectory(prefix="migration-guard-job-") as scratch:
        request_path = Path(scratch, "request.json")
        result_path = Path(scratch, "result.json")
        request_path.write_text(json.dumps(request), encoding="utf-8")
        completed = subprocess.run(
            [sys.executable, "-m", module, str(request_path), str(result_path)],
            cwd=cwd,
            env=pinned_env(database_url_env, url),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=JOB_TIMEOUT_SECONDS,
            check=False,
        )
        if not result_path.exists():
            raise EnvironmentProblem(f"{what} failed: {_last_line(completed.stderr)}")
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    if "fatal" in result:
        raise EnvironmentProblem(f"{what} failed: {result['fatal']}")
    return result


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
    return child_environment(url, **{database_url_env: url, "PYTHONDONTWRITEBYTECODE": "1"})


def job_main(job: Job, argv: list[str]) -> int:
    """The child's side of :func:`run_job`: pin the engines, run ``job``, write its result."""
    from migration_guard.runners.pinned import pin_from_environment

    pin_from_environment()
    request_path, result_path = argv
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    try:
        result = job(request)
    except Exception as error:  # reported to the parent as one line
        result = {"fatal": one_line(error)}
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def one_line(error: BaseException) -> str:
    """``Type: first line of the message (file:line)``, the line in the project's code."""
    where = ""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if "site-packages" not in frame.filename and "/alembic/" not in frame.filename:
            where = f" ({Path(frame.filename).name}:{frame.lineno})"
            break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
