"""SIGKILL of the run itself (not its process group): its children die with it, and the next
run removes the temp folders it left, never those of a run still going."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, wait_for_file, wait_until

pytestmark = pytest.mark.slow

VERSIONS = "backend/alembic/versions"
REVISION = "5105510w0002"
SLOW_REVISION = f'''"""a slow data migration

Revision ID: {REVISION}
Revises: e2b86d14f07a
"""
import os

from alembic import context, op

revision = "{REVISION}"
down_revision = "e2b86d14f07a"
branch_labels = None
depends_on = None


def upgrade():
    if not context.is_offline_mode():
        # executed (not rendered): say so, and stay in the upgrade until the test ends the run
        open(os.environ["MG_TEST_STARTED"], "w").close()
    op.execute("SELECT pg_sleep(30)")


def downgrade():
    pass
'''


@pytest.fixture
def temp() -> Iterator[Path]:
    """The runs' TMPDIR: reachable by ``nobody`` as /tmp is."""
    folder = Path(tempfile.mkdtemp(prefix="mg-killed-", dir="/tmp"))
    folder.chmod(0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _project(root: Path) -> Path:
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / VERSIONS / f"{REVISION}_slow.py").write_text(SLOW_REVISION)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def _start(project: Path, temp: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        MIGRATION_GUARD_CACHE=str(project.parent / f"{project.name}-cache"),
        TMPDIR=str(temp),
        MG_TEST_STARTED=str(project.parent / f"{project.name}.started"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "migration_guard", "--no-color", "--project", str(project), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )


def _workers(project: Path) -> set[int]:
    """The trace workers running for ``project`` (their working folder is its backend)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if b"migration_guard.trace.worker" in command and cwd.startswith(str(project)):
            found.add(int(entry.name))
    return found


def _job_folders(temp: Path) -> set[str]:
    return {p.name for p in temp.iterdir() if p.name.startswith("migration-guard-job-")}


def _stop_cluster(cache: Path) -> None:
    """Stop the cached server a killed run left (the next run of that cache would)."""
    homes = [cache / "postgres"]
    pointer = cache / "shared-folder"
    if pointer.is_file():
        homes.append(Path(pointer.read_text().strip()) / "postgres")
    for home in homes:
        with_pid = home / "data" / "postmaster.pid"
        if with_pid.is_file():
            pid = int(with_pid.read_text().split()[0])
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        if home.parent != cache:
            shutil.rmtree(home.parent, ignore_errors=True)


def test_a_killed_run_leaves_no_worker_and_its_folders_go_with_the_next_run(
    tmp_path: Path, temp: Path
) -> None:
    killed = _project(tmp_path / "killed")
    live = _project(tmp_path / "live")
    first = _start(killed, temp, "trace", "--runner", "local", REVISION)
    second: subprocess.Popen[str] | None = None
    try:
        wait_for_file(tmp_path / "killed.started", first)
        workers = _workers(killed)
        assert workers, "no trace worker found"
        left = _job_folders(temp)
        assert len(left) == 1
        os.kill(first.pid, signal.SIGKILL)  # the run only: not its process group
        assert first.wait(30) == -signal.SIGKILL
        wait_until(lambda: not _workers(killed), "the trace worker ended with its run", 10)
        assert _job_folders(temp) == left  # nobody removed it yet

        second = _start(live, temp, "trace", "--runner", "local", REVISION)
        wait_for_file(tmp_path / "live.started", second)
        live_folders = _job_folders(temp) - left
        assert len(live_folders) == 1

        third = subprocess.run(
            [sys.executable, "-m", "migration_guard", "--project", str(live), "lint"],
            env=dict(os.environ, TMPDIR=str(temp)),
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Traceback" not in third.stderr, third.stderr
        assert _job_folders(temp) == live_folders  # the killed run's went, the live one's stays
        assert second.poll() is None
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(60)
        _stop_cluster(tmp_path / "killed-cache")
        _stop_cluster(tmp_path / "live-cache")
