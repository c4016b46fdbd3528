"""The one child-process interface (runners/process.py) with real children: a time limit and an
interrupt kill the child's whole process group, grandchildren included; a failed child is
reported by its error, not its last line of stderr (a child of ours, the downgrade render);
SIGTERM ends a run as Ctrl-C does (exit 130, one line); a bug of ours exits 70 with one line,
not the environment's 3."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from migration_guard.config.alembic_ini import read_alembic_settings
from migration_guard.errors import EnvironmentProblem
from migration_guard.render.downgrade import PreparedDowngrade
from migration_guard.runners.process import Child
from tests.projects import ENV_PY, add_revision, make_project

# A child that starts a grandchild of its own, says both pids, then waits for ever.
SLEEPER = """
import os, subprocess, sys, time
grandchild = subprocess.Popen(["sleep", "60"])
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(f"{os.getpid()} {grandchild.pid}")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
"""


def _gone(pid: int) -> bool:
    """Exited (a zombie nobody reaped yet counts: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _wait_for(path: Path, process: subprocess.Popen[str] | None = None) -> list[int]:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        assert process is None or process.poll() is None, process.communicate()
        time.sleep(0.02)
    return [int(word) for word in path.read_text().split()]


def _all_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return all(_gone(pid) for pid in pids)


def test_a_child_past_its_time_limit_goes_with_its_grandchildren(tmp_path: Path) -> None:
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    pids_file = tmp_path / "pids"
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    with Child("sleeper", str(pids_file), what="the sleeper", env=env, cwd=tmp_path) as child:
        pids = _wait_for(pids_file)
        with pytest.raises(EnvironmentProblem) as raised:
            child.finish(timeout=0.5)
    assert str(raised.value) == "the sleeper did not finish within 0.5 s"
    assert _all_gone(pids), pids


def test_a_failed_child_is_reported_by_its_error_not_its_last_line(tmp_path: Path) -> None:
    (tmp_path / "failing.py").write_text(
        textwrap.dedent(
            """
            import sqlalchemy.exc
            cause = Exception("function no_such_function() does not exist")
            raise sqlalchemy.exc.ProgrammingError("SELECT no_such_function()", {}, cause)
            """
        )
    )
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    with Child("failing", what="the failing child", env=env, cwd=tmp_path) as child:
        finished = child.finish(timeout=60)
        reason = child.failure()
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines()[-1].startswith("(Background on this error at:")
    assert reason == (
        "ProgrammingError: (builtins.Exception) function no_such_function() does not exist"
        " (failing.py:4)"
    )


# env.py's offline branch starts a grandchild, says both pids, and hangs: the render child is
# busy when the run is told to stop.
HANGING_ENV_PY = ENV_PY.replace(
    "def run_migrations_offline():\n",
    "def run_migrations_offline():\n"
    + textwrap.indent(SLEEPER.replace("sys.argv[1]", "os.environ['PIDS_FILE']"), "    "),
)


def test_sigterm_during_a_render_exits_130_and_kills_the_render_children(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", env_py=HANGING_ENV_PY)
    add_revision(root, "a1", None, upgrade='op.execute("SELECT 1")')
    pids_file = tmp_path / "pids"
    run = subprocess.Popen(
        [sys.executable, "-m", "migration_guard", "--project", str(root), "lint"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PIDS_FILE=str(pids_file)),
        start_new_session=True,
    )
    try:
        pids = _wait_for(pids_file, run)
        os.kill(run.pid, signal.SIGTERM)  # the run only: its children are its to stop
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert (run.returncode, err) == (130, "migration-guard: interrupted\n"), out
    assert _all_gone(pids), pids


def test_a_bug_of_ours_exits_70_with_one_line(tmp_path: Path) -> None:
    # The one stand-in of this file: a command that raises what no code path expects.
    script = textwrap.dedent(
        """
        import sys
        import migration_guard.commands.rules as rules
        def broken(invocation):
            raise KeyError("no-such-key")
        rules.run = broken
        from migration_guard.cli import main
        raise SystemExit(main(["--project", sys.argv[1], "rules"]))
        """
    )
    root = make_project(tmp_path / "app")
    env = {key: value for key, value in os.environ.items() if key != "MIGRATION_GUARD_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 70, done.stderr
    assert done.stderr == (
        "migration-guard: internal error: KeyError: 'no-such-key' (a bug of migration-guard: "
        "set MIGRATION_GUARD_DEBUG=1 for the traceback)\n"
    )
    debug = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        env=dict(env, MIGRATION_GUARD_DEBUG="1"),
        check=False,
    )
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == "KeyError: 'no-such-key'"


REVISION_WITH_FAILING_DOWNGRADE = '''"""a1"""
import sqlalchemy.exc
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute("SELECT 1")


def downgrade():
    cause = Exception("function no_such_function() does not exist")
    raise sqlalchemy.exc.ProgrammingError("SELECT no_such_function()", {}, cause)
'''


def test_a_downgrade_that_cannot_render_is_said_by_its_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app")
    (root / "migrations" / "versions" / "a1.py").write_text(REVISION_WITH_FAILING_DOWNGRADE)
    settings = read_alembic_settings(root / "alembic.ini")
    with PreparedDowngrade(settings, "DATABASE_URL") as downgrade:
        downgrade.start("a1", None)
        said = downgrade.sql()
    assert said == (
        "(could not render the downgrade offline: ProgrammingError: (builtins.Exception) "
        "function no_such_function() does not exist (a1.py:15))"
    )
