"""The cached PostgreSQL is ours alone: no TCP listener, a socket in a folder no other local user
can enter, no cache file opened through a planted link, no job's leftovers handed to the next
project, and the user's libpq settings (``PG*``) never reach our own connections."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from migration_guard.runners.cluster import cluster
from migration_guard.runners.postgres import databases as pg
from tests.conftest import EXAMPLE
from tests.projects import LANGUAGE_REVISION, VERSIONS, init_repo

pytestmark = pytest.mark.slow


# A revision that reaches past its own database: a raw driver connection (libpq's defaults
# name the throwaway server) into template1, and ALTER SYSTEM for the whole cluster.
POISON_REVISION = '''"""poison the cluster

Revision ID: 0008poison
Revises: 0007lang
"""
from alembic import op

revision = "0008poison"
down_revision = "0007lang"
branch_labels = None
depends_on = None


def upgrade():
    import psycopg2

    connection = psycopg2.connect(dbname="template1")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE poisoned (id integer)")
        cursor.execute("ALTER SYSTEM SET work_mem = '7MB'")
        cursor.execute("SELECT pg_reload_conf()")
    connection.close()


def downgrade():
    pass
'''

HOSTILE_LIBPQ = {
    "PGSSLMODE": "require",
    "PGGSSENCMODE": "require",
    "PGOPTIONS": "-c default_transaction_read_only=on",
    "PGTARGETSESSIONATTRS": "standby",
    "PGCHANNELBINDING": "require",
    "PGREQUIREAUTH": "md5",
    "PGSERVICE": "no-such-service",
    "PGHOSTADDR": "127.0.0.1",
    "PGTZ": "No/Such_Zone",
}


def _quiet(_line: str) -> None:
    pass


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mg-cache"
    monkeypatch.setenv("MIGRATION_GUARD_CACHE", str(folder))
    return folder


def _listening_tcp_inodes() -> dict[str, int]:
    """Socket inode -> port of every TCP socket in LISTEN state (IPv4 and IPv6)."""
    found: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as stream:
            next(stream)
            for line in stream:
                fields = line.split()
                if fields[3] == "0A":
                    found[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _cmdline_ports(pid: int) -> set[int]:
    """Every port a look at ``ps`` would show: ``-p N`` and ``-c port=N``."""
    words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    ports = {5432}
    for before, word in itertools.pairwise(words):
        if before == b"-p" and word.isdigit():
            ports.add(int(word))
        if before == b"-c" and word.startswith(b"port="):
            ports.add(int(word.split(b"=", 1)[1]))
    return ports


def test_the_cached_server_has_no_tcp_listener(cache: Path) -> None:
    with cluster(_quiet) as server:
        listening = _listening_tcp_inodes()
        postmaster_sockets = _socket_inodes(server.process.pid)
        assert postmaster_sockets, "the postmaster holds no socket at all"
        assert {listening[i] for i in postmaster_sockets if i in listening} == set()
        assert pg.query(server.url, "SHOW listen_addresses") == [("",)]
        assert "127.0.0.1" not in server.url


@pytest.fixture
def other_user() -> Iterator[str]:
    """An unprivileged local account of its own, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("creating a second local account needs root")
    name = f"mgprobe{uuid.uuid4().hex[:6]}"
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/bin/sh", name],
        check=True,
        capture_output=True,
    )
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def test_another_local_user_cannot_connect_by_any_route(cache: Path, other_user: str) -> None:
    psql = shutil.which("psql")
    assert psql is not None
    with cluster(_quiet) as server:
        pid = server.process.pid
        listening = _listening_tcp_inodes()
        own = {listening[inode] for inode in _socket_inodes(pid) if inode in listening}
        ports = _cmdline_ports(pid) | own
        socket_dirs = {str(row[0]) for row in pg.query(server.url, "SHOW unix_socket_directories")}
        socket_dirs |= set(parse_qs(urlsplit(server.url).query).get("host", []))
        routes = [f"host=127.0.0.1 port={port}" for port in sorted(ports)]
        routes += [
            f"host={folder} port={port}"
            for folder in sorted(socket_dirs)
            for port in sorted(ports)
            if folder
        ]
        assert len(routes) >= 2
        for route in routes:
            attempt = subprocess.run(
                [
                    "runuser",
                    "-u",
                    other_user,
                    "--",
                    psql,
                    "-X",
                    "-At",
                    "-c",
                    "SELECT 'connected as ' || current_user",
                    f"{route} user=postgres dbname=postgres connect_timeout=5",
                ],
                cwd="/",
                env={"PATH": os.environ["PATH"], "LC_ALL": "C"},
                capture_output=True,
                text=True,
                check=False,
            )
            assert attempt.returncode != 0, (route, attempt.stdout)
            assert "connected as" not in attempt.stdout
        assert pg.query(server.url, "SELECT 1") == [(1,)]  # we still can


def test_a_planted_server_log_link_is_not_followed(cache: Path, tmp_path: Path) -> None:
    with cluster(_quiet) as server:
        home = server.directory
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    log = home / "server.log"
    log.unlink()
    log.symlink_to(victim)  # as the server's account could: the folder is its own
    with cluster(_quiet) as server:
        assert pg.query(server.url, "SELECT 1") == [(1,)]
    assert victim.read_text() == "precious\n"
    assert victim.stat().st_uid == os.geteuid()
    assert not log.is_symlink()


def _example(root: Path, *revisions: tuple[str, str]) -> Path:
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in revisions:
        (root / VERSIONS / name).write_text(text)
    init_repo(root)
    return root


def _guard(
    root: Path, cache: Path, *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIGRATION_GUARD_CACHE": str(cache), **(extra or {})}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _drift_problems(result: subprocess.CompletedProcess[str]) -> list[object]:
    document = json.loads(result.stdout)
    problems: list[object] = document["problems"]
    return problems


def test_one_repository_cannot_poison_the_cluster_for_another(cache: Path, tmp_path: Path) -> None:
    hostile = _example(
        tmp_path / "hostile",
        ("0007_add_language.py", LANGUAGE_REVISION),
        ("0008_poison.py", POISON_REVISION),
    )
    first = _guard(hostile, cache, "--format", "json", "drift")
    assert "Traceback" not in first.stderr, first.stderr
    clean = _example(tmp_path / "clean", ("0007_add_language.py", LANGUAGE_REVISION))
    result = _guard(clean, cache, "--format", "json", "drift")
    assert (result.returncode, _drift_problems(result)) == (0, []), result.stdout + result.stderr
    with cluster(_quiet) as server:
        assert pg.query(server.url, "SHOW work_mem") != [("7MB",)]
        template1 = pg.database_url(server.url, "template1")
        assert pg.query(template1, "SELECT to_regclass('poisoned') IS NULL") == [(True,)]


def test_the_users_libpq_settings_do_not_reach_our_connections(cache: Path, tmp_path: Path) -> None:
    clean = _example(tmp_path / "clean", ("0007_add_language.py", LANGUAGE_REVISION))
    result = _guard(clean, cache, "--format", "json", "drift", extra=HOSTILE_LIBPQ)
    assert (result.returncode, _drift_problems(result)) == (0, []), result.stderr
    pending = _example(tmp_path / "pending")
    new = _guard(
        pending, cache, "new", "add language", "--runner", "local", "--dry-run", extra=HOSTILE_LIBPQ
    )
    # 1: the lint's finding on the generated NOT NULL column, not 3 (environment)
    assert new.returncode == 1, new.stdout + new.stderr
    assert "Dry run: would write backend/alembic/versions/" in new.stdout
    assert "not-null-without-default" in new.stdout
    assert not [p for p in (pending / VERSIONS).iterdir() if "add_language" in p.name]


def test_what_a_killed_job_left_is_found_by_the_next_start(cache: Path) -> None:
    """The job is killed before the check that ends it: the next start checks instead."""
    script = (
        "import os, signal\n"
        "from migration_guard.runners.cluster import cluster\n"
        "from migration_guard.runners.postgres import databases as pg\n"
        "with cluster(lambda _line: None) as server:\n"
        "    template1 = pg.database_url(server.url, 'template1')\n"
        "    pg.execute(template1, 'CREATE TABLE poisoned (id integer)')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    with cluster(_quiet):
        pass  # made, checked, verified
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    said: list[str] = []
    with cluster(said.append) as server:
        template1 = pg.database_url(server.url, "template1")
        assert pg.query(template1, "SELECT to_regclass('poisoned') IS NULL") == [(True,)]
    assert "  the cached PostgreSQL cluster is not as it was made: making a fresh one" in said
    said.clear()
    with cluster(said.append):
        pass
    # clean again, and verified: only the line naming the server
    assert [line for line in said if not line.startswith("  throwaway PostgreSQL ")] == []
