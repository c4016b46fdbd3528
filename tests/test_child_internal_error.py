"""A bug of ours inside a job child ends the run as one (exit 70, ``internal error``), its
traceback kept for MIGRATION_GUARD_DEBUG=1; an error of the project's env.py in the same child
stays the environment's (exit 3) with the file and line, as before."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migration_guard.errors import EnvironmentProblem, InternalError
from migration_guard.runners.child import run_job
from tests.projects import ENV_PY, add_revision, init_repo, make_project

WORKER = "migration_guard.autogenerate.worker"
WHAT = "alembic revision --autogenerate"
# Port 1 on the loopback: nothing listens there (these jobs fail before they connect).
NOWHERE = "postgresql://nobody@127.0.0.1:1/nowhere"


def _autogenerate(root: Path, request: dict[str, object]) -> dict[str, object]:
    """The autogenerate job in its real child, on a database nobody listens for."""
    return run_job(
        WORKER, request, cwd=root, database_url_env="DATABASE_URL", url=NOWHERE, what=WHAT
    )


def _request(root: Path, **changed: object) -> dict[str, object]:
    request: dict[str, object] = {
        "ini_path": str(root / "alembic.ini"),
        "message": "add language",
        "tree": "",
        "render": False,
        "database_url_env": "DATABASE_URL",
    }
    request.update(changed)
    return request


def test_a_request_our_job_cannot_read_is_an_internal_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app")
    request = _request(root)
    del request["message"]  # a parent of ours that forgot a key the child reads
    with pytest.raises(InternalError) as raised:
        _autogenerate(root, request)
    assert str(raised.value) == "KeyError: 'message'"
    child_traceback = raised.value.traceback
    assert child_traceback.startswith("Traceback (most recent call last):\n")
    assert "migration_guard/autogenerate/" in child_traceback
    assert child_traceback.rstrip().splitlines()[-1] == "KeyError: 'message'"


def test_a_bug_of_ours_in_the_drift_child_is_an_internal_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app")
    request = {"tree": str(root), "action": "compare"}  # no ini_path: the child reads it
    with pytest.raises(InternalError) as raised:
        run_job(
            "migration_guard.drift.worker",
            request,
            cwd=root,
            database_url_env="DATABASE_URL",
            url=NOWHERE,
            what="the drift check",
        )
    assert str(raised.value) == "KeyError: 'ini_path'"
    assert "migration_guard/drift/worker.py" in raised.value.traceback


BROKEN_ENV_PY = "raise RuntimeError('env.py is broken')\n" + ENV_PY


def test_an_error_in_the_projects_env_py_stays_the_environments(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", env_py=BROKEN_ENV_PY)
    with pytest.raises(EnvironmentProblem) as raised:
        _autogenerate(root, _request(root))
    assert str(raised.value) == (
        "alembic revision --autogenerate failed: RuntimeError: env.py is broken (env.py:1)"
    )
    with pytest.raises(EnvironmentProblem) as named:  # the tree given: named as the user knows it
        _autogenerate(root, _request(root, tree=str(root)))
    assert str(named.value) == (
        "alembic revision --autogenerate failed: RuntimeError: env.py is broken "
        "(migrations/env.py:1)"
    )


# The one stand-in of this file, in the parent: the request it hands the real child lacks the
# message (as a parent with a bug of ours would send it); the child and the CLI are real.
FORGETFUL_PARENT = textwrap.dedent(
    """
    import sys
    from migration_guard.autogenerate.messages import AutogenRequest
    whole = AutogenRequest.to_json
    def forgetful(self):
        data = whole(self)
        del data["message"]
        return data
    AutogenRequest.to_json = forgetful
    from migration_guard.cli import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


@pytest.mark.slow
def test_a_bug_of_ours_in_the_autogenerate_child_exits_70(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app")
    add_revision(root, "a1", None, upgrade='op.execute("SELECT 1")')
    init_repo(root)
    env = {key: value for key, value in os.environ.items() if key != "MIGRATION_GUARD_DEBUG"}
    command = [sys.executable, "-c", FORGETFUL_PARENT, "--project", str(root), "--no-color"]
    command += ["new", "anything", "--runner", "local", "--dry-run"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 70, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "migration-guard: internal error: KeyError: 'message' (a bug of migration-guard: "
        "set MIGRATION_GUARD_DEBUG=1 for the traceback)"
    )
    debug = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=dict(env, MIGRATION_GUARD_DEBUG="1"),
        check=False,
    )
    assert "migration_guard/autogenerate/" in debug.stderr  # the child's own frames
    assert debug.stderr.strip().splitlines()[-1] == (
        "migration_guard.errors.InternalError: KeyError: 'message'"
    )


def test_a_driver_we_cannot_pin_is_the_environments_not_a_bug(tmp_path: Path) -> None:
    # A psycopg2 whose insides are not the ones pin_drivers knows (here the project's own
    # module of that name, first on the child's path): our code refuses it on purpose, in
    # our own frames, and that refusal is the environment's (exit 3), not a bug of ours.
    root = make_project(tmp_path / "app", env_py="import psycopg2\n" + ENV_PY)
    (root / "psycopg2").mkdir()
    (root / "psycopg2" / "__init__.py").write_text("__version__ = '0.0-unknown'\n")
    with pytest.raises(EnvironmentProblem) as raised:
        _autogenerate(root, _request(root))
    assert str(raised.value).startswith(
        "alembic revision --autogenerate failed: CannotPin: migration-guard cannot pin "
        "psycopg2 0.0-unknown to the throwaway database ("
    ), str(raised.value)
