"""Real signals sent to a real `new` at several moments: SIGINT and SIGTERM leave no partial
revision, no server and no temp folder and exit 130 with one line (the contract's "interrupted";
the CLI turns SIGTERM into the same interrupt as Ctrl-C); what SIGKILL leaves (databases of the
run) is dropped by the next run.

No test sleeps and hopes: the project's own code (its env.py, a revision's upgrade) says when the
run is inside the stage a test interrupts, by creating a file, and then stays there until the
signal ends it. The signal therefore always lands in that stage, on a fast machine or a loaded
one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, wait_for_file

pytestmark = pytest.mark.slow

VERSIONS = "backend/alembic/versions"
GUARD = (sys.executable, "-m", "migration_guard", "--no-color")
TEMP_PREFIXES = (
    "migration-guard-new-",
    "migration-guard-autogen-",
    "migration-guard-render-",
    "migration-guard-pg-",
)


# Prepended to the copy's env.py dispatch: when MG_TEST_PAUSE names the mode this env.py runs in
# ("online": the replay or autogenerate; "offline": the SQL render), create MG_TEST_PAUSED and
# stay here until a signal ends the process.
PAUSE_IN_ENV_PY = """
if os.environ.get("MG_TEST_PAUSE") == ("offline" if context.is_offline_mode() else "online"):
    import time

    open(os.environ["MG_TEST_PAUSED"], "w").close()
    time.sleep(300)

"""
ENV_PY = "backend/alembic/env.py"
DISPATCH = "if context.is_offline_mode():\n    run_migrations_offline()"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    env_py = (repo / ENV_PY).read_text()
    assert env_py.count(DISPATCH) == 1
    (repo / ENV_PY).write_text(env_py.replace(DISPATCH, PAUSE_IN_ENV_PY + DISPATCH))
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


@pytest.fixture
def temp() -> Iterator[Path]:
    """The runs' TMPDIR: reachable by ``nobody`` as /tmp is."""
    folder = Path(tempfile.mkdtemp(prefix="mg-interrupt-", dir="/tmp"))
    folder.chmod(0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def start_new(project: Path, temp: Path, **extra: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        MIGRATION_GUARD_CACHE=str(project.parent / "mg-cache"),
        TMPDIR=str(temp),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [*GUARD, "--project", str(project), "new", "add language", "--runner", "local"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def interrupt_after(
    project: Path, temp: Path, marker: str, pause: str, signum: int
) -> tuple[int, str, str]:
    """Start `new`, wait for ``marker`` on stdout and for its env.py to be paused in ``pause``
    mode, then signal its whole process group (as a terminal does)."""
    paused = project.parent / f"paused-{uuid.uuid4().hex[:8]}"
    process = start_new(project, temp, MG_TEST_PAUSE=pause, MG_TEST_PAUSED=str(paused))
    assert process.stdout is not None
    seen = ""
    for line in process.stdout:
        seen += line
        if marker in line:
            break
    assert marker in seen, f"never said {marker!r}: {seen}{process.communicate(timeout=120)}"
    wait_for_file(paused, process, 240)
    os.killpg(process.pid, signum)
    out, err = process.communicate(timeout=120)
    return process.returncode, seen + out, err


def leftovers(project: Path, temp: Path) -> list[str]:
    found = [p.name for p in temp.iterdir() if p.name.startswith(TEMP_PREFIXES)]
    found += [p.name for p in (project / VERSIONS).iterdir() if "add_language" in p.name]
    servers = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    found += [line for line in servers.splitlines() if str(temp) in line and "postgres" in line]
    return found


MOMENTS = (
    ("replaying the history", "online"),  # alembic upgrade heads into mg_build_*
    # autogenerate on the cached template, then, in the same child, the render of the new
    # revision's upgrade and downgrade SQL (env.py offline): once "--- upgrade() ---" is printed
    # only the lint is left, too short to be interrupted reliably
    ("template database found", "online"),
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_new_leaves_nothing_behind(
    project: Path, temp: Path, signum: signal.Signals
) -> None:
    for moment, pause in MOMENTS:
        code, out, err = interrupt_after(project, temp, moment, pause, signum)
        assert code == 130, (moment, out, err)
        assert err.strip().splitlines() == ["migration-guard: interrupted"], (moment, err)
        assert leftovers(project, temp) == [], moment
        again = start_new(project, temp)
        out2, _err2 = again.communicate(timeout=300)
        assert "leftover" not in out2, (moment, out2)  # the interrupted run dropped its own
        for path in (project / VERSIONS).iterdir():
            if "add_language" in path.name:
                path.unlink()


SLOW_REVISION = '''"""a slow data migration

Revision ID: 5105510w0001
Revises: e2b86d14f07a
"""
import os

from alembic import context, op

revision = "5105510w0001"
down_revision = "e2b86d14f07a"
branch_labels = None
depends_on = None


def upgrade():
    started = os.environ.get("MG_TEST_STARTED")
    if started and not context.is_offline_mode():
        # the run a test interrupts: say it is executing this upgrade, and stay in it
        open(started, "w").close()
        op.execute("SELECT pg_sleep(60)")


def downgrade():
    pass
'''


def test_what_sigkill_leaves_is_cleaned_by_the_next_run(project: Path, temp: Path) -> None:
    # The kill lands while the replay executes the slow revision: mg_build_* is being filled.
    (project / VERSIONS / "5105510w0001_slow.py").write_text(SLOW_REVISION)
    started = project.parent / "upgrade-started"
    process = start_new(project, temp, MG_TEST_STARTED=str(started))
    assert process.stdout is not None
    for line in process.stdout:
        if "replaying the history" in line:
            break
    wait_for_file(started, process, 240)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    again = start_new(project, temp)
    out, err = again.communicate(timeout=300)
    assert "dropped 1 leftover database of an interrupted run" in out, out + err
    assert again.returncode == 1, out + err
    third = start_new(project, temp)
    out3, _err3 = third.communicate(timeout=300)
    assert "leftover" not in out3


def start_trace(project: Path, temp: Path, revision: str, **extra: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        MIGRATION_GUARD_CACHE=str(project.parent / "mg-cache"),
        TMPDIR=str(temp),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [*GUARD, "--project", str(project), "trace", "--runner", "local", revision],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def test_ctrl_c_during_a_trace_cleans_up_and_exits_130(project: Path, temp: Path) -> None:
    """Ctrl-C while a revision is being traced (its pg_sleep running in the trace child): exit
    130 with one line, no temp folders, no server, and the next run finds no leftover database."""
    started = project.parent / "upgrade-started"
    (project / VERSIONS / "5105510w0001_slow.py").write_text(SLOW_REVISION)
    process = start_trace(project, temp, "5105510w0001", MG_TEST_STARTED=str(started))
    wait_for_file(started, process, 240)  # the trace child executes the revision's pg_sleep
    os.killpg(process.pid, signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "migration-guard: interrupted", err
    # (the shared cache folder a root run makes for `nobody` is meant to stay)
    scratch = (*TEMP_PREFIXES, "migration-guard-job-")
    found = [p.name for p in temp.iterdir() if p.name.startswith(scratch)]
    servers = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    found += [line for line in servers.splitlines() if str(temp) in line and "postgres" in line]
    assert found == []
    again = start_trace(project, temp, "5105510w0001")
    _out, err2 = again.communicate(timeout=300)
    assert again.returncode in (0, 1), err2
    assert "leftover" not in err2, err2


@pytest.mark.parametrize(
    ("revisions", "interrupted"),
    [((), "mg_work_"), (("e2b86d14f07a",), "mg_build_"), (("e2b86d14f07a",), "mg_work_")],
    ids=["empty-work-database", "template-being-built", "copy-of-the-template"],
)
def test_ctrl_c_as_the_server_finishes_create_database_leaves_no_database(
    project: Path, monkeypatch: pytest.MonkeyPatch, revisions: tuple[str, ...], interrupted: str
) -> None:
    """The narrowest window a signal has: the server made the database and Python raises
    KeyboardInterrupt before create_database returns (what a real Ctrl-C did in CI). The real
    create runs; only the interrupt is injected, right after it."""
    from migration_guard.config.alembic_ini import read_alembic_settings
    from migration_guard.runners.cluster import cluster
    from migration_guard.runners.postgres import databases
    from migration_guard.runners.throwaway import database_at

    monkeypatch.setenv("MIGRATION_GUARD_CACHE", str(project.parent / "mg-cache"))
    settings = read_alembic_settings(project / "backend" / "alembic.ini")
    create = databases.create_database

    def created_then_interrupted(url: str, name: str, template: str | None = None) -> str:
        made = create(url, name, template)
        if name.startswith(interrupted):
            raise KeyboardInterrupt
        return made

    monkeypatch.setattr(databases, "create_database", created_then_interrupted)
    with pytest.raises(KeyboardInterrupt), database_at(settings, "DATABASE_URL", revisions):
        pytest.fail("the body ran although the database was never handed over")
    monkeypatch.setattr(databases, "create_database", create)
    said: list[str] = []
    with cluster(said.append):  # drops (and says) what an interrupted run left
        pass
    assert not [line for line in said if "leftover" in line], said


DEFERRED = """
import os, signal, sys
from migration_guard.interrupts import deferred_interrupts, sigterm_interrupts

done = []
with sigterm_interrupts():
    try:
        with deferred_interrupts():
            os.kill(os.getpid(), int(sys.argv[1]))
            done.append("the block ran to its end")
        done.append("after the block")
    except KeyboardInterrupt:
        print(done, "interrupted after the block")
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_inside_a_deferred_block_lands_when_it_ends(signum: signal.Signals) -> None:
    done = subprocess.run(
        [sys.executable, "-c", DEFERRED, str(int(signum))], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['the block ran to its end'] interrupted after the block"
