"""Every child that imports env.py is pinned: a listener standing in for the team's database
never sees a connection, whatever env.py does (alembic.ini's URL, a raw psycopg2.connect())."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, shared_cache

pytestmark = pytest.mark.slow

REACH_OUT = '''
def _reach_the_team_database() -> None:
    """Ignore offline mode and DATABASE_URL: try alembic.ini's URL and libpq's defaults."""
    import psycopg2
    from sqlalchemy import create_engine

    attempts = (
        lambda: psycopg2.connect(connect_timeout=3).close(),
        lambda: psycopg2.connect("", connect_timeout=3).close(),
        lambda: create_engine(config.get_main_option("sqlalchemy.url")).connect().close(),
    )
    for attempt in attempts:
        try:
            attempt()
        except Exception:
            pass


_reach_the_team_database()
'''


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port: int = self.socket.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def team_database() -> Iterator[Listener]:
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()


def git(repo: Path, *args: str) -> None:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def project(tmp_path: Path, team_database: Listener) -> Path:
    """The example backend whose env.py reaches for the team's database at import time."""
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    team_url = f"postgresql+psycopg2://team:secret@127.0.0.1:{team_database.port}/team"
    ini = repo / "backend" / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("[alembic]\n", f"[alembic]\nsqlalchemy.url = {team_url}\n")
    )
    env_py = repo / "backend" / "alembic" / "env.py"
    source = env_py.read_text()
    anchor = "target_metadata = Base.metadata\n"
    env_py.write_text(source.replace(anchor, anchor + REACH_OUT, 1))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def guard(project: Path, listener: Listener, *args: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["MIGRATION_GUARD_CACHE"] = str(shared_cache())
    team = f"postgresql://team:secret@127.0.0.1:{listener.port}/team"
    environment.update(
        DATABASE_URL=team,
        PGHOST="127.0.0.1",
        PGPORT=str(listener.port),
        PGHOSTADDR="127.0.0.1",
        PGUSER="team",
        PGDATABASE="team",
        PGCONNECT_TIMEOUT="3",
    )
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", "--project", str(project), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def test_the_hook_sanity_check_reaches_the_listener(team_database: Listener) -> None:
    """The stand-in works: libpq's defaults from the environment do reach it."""
    environment = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(team_database.port))
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import psycopg2\ntry: psycopg2.connect(connect_timeout=2)\nexcept Exception: pass",
        ],
        env=environment,
        check=False,
    )
    assert team_database.connections == 1


def test_lint_renders_without_reaching_the_team_database(
    project: Path, team_database: Listener
) -> None:
    result = guard(project, team_database, "lint", "--all")
    assert result.returncode in (0, 1), result.stderr
    assert "render-failed" not in result.stdout, result.stdout
    assert team_database.connections == 0


def test_new_and_its_rollback_render_never_reach_the_team_database(
    project: Path, team_database: Listener
) -> None:
    result = guard(project, team_database, "new", "add language", "--runner", "local", "--dry-run")
    output = result.stdout + result.stderr
    assert "add column `documents.language`" in output, output
    assert "could not render the downgrade" not in output, output
    assert "DROP COLUMN language" in output, output
    assert team_database.connections == 0


def test_hook_never_reaches_the_team_database(project: Path, team_database: Listener) -> None:
    model = project / "backend" / "app" / "models" / "document.py"
    model.write_text(model.read_text() + "\n# touched\n")
    git(project, "add", str(model))
    result = guard(project, team_database, "hook", str(model))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "DROP COLUMN language" in output, output
    assert team_database.connections == 0


def test_trace_never_reaches_the_team_database(project: Path, team_database: Listener) -> None:
    result = guard(project, team_database, "trace", "--all")
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), output
    assert "upgrade" in output, output
    assert team_database.connections == 0


# The story: a settings-driven env.py passes the server in connect_args, which the
# driver takes over the URL. Every command that runs env.py must still run it on its own
# throwaway server, and run it there successfully.
CONNECT_ARGS_ENGINE = """    connectable = create_engine(
        database_url(),
        poolclass=pool.NullPool,
        connect_args={{"host": "127.0.0.1", "port": {port}, "dbname": "prod"}},
    )
"""


@pytest.fixture
def connect_args_project(tmp_path: Path, team_database: Listener) -> Path:
    """The example backend, its engine's connect_args naming the team's server and database."""
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    env_py = repo / "backend" / "alembic" / "env.py"
    source = env_py.read_text()
    engine = (
        '    connectable = engine_from_config(section, prefix="sqlalchemy.", '
        "poolclass=pool.NullPool)\n"
    )
    assert engine in source
    source = source.replace(engine, CONNECT_ARGS_ENGINE.format(port=team_database.port))
    source = source.replace(
        "from sqlalchemy import engine_from_config, pool",
        "from sqlalchemy import create_engine, pool",
    )
    env_py.write_text(source)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


@pytest.mark.parametrize("command", ["drift", "trace", "new", "hook"])
def test_connect_args_naming_the_team_database_are_overruled(
    connect_args_project: Path, team_database: Listener, command: str
) -> None:
    project = connect_args_project
    if command == "drift":
        result = guard(project, team_database, "drift")
        expected = (1, "models-without-migration: add column documents.language")
    elif command == "trace":
        result = guard(project, team_database, "trace", "--all")
        expected = (1, "0006_add_documents_search_vector.py): upgrade ok, downgrade ok")
    elif command == "new":
        result = guard(
            project, team_database, "new", "add language", "--runner", "local", "--dry-run"
        )
        expected = (1, "- add column `documents.language`")
    else:
        model = project / "backend" / "app" / "models" / "document.py"
        model.write_text(model.read_text() + "\n# touched\n")
        git(project, "add", str(model))
        result = guard(project, team_database, "hook", str(model))
        expected = (1, "DROP COLUMN language")
    output = result.stdout + result.stderr
    assert (result.returncode, expected[1] in output) == (expected[0], True), output
    assert team_database.connections == 0


SEEDED_ENGINE = """    connectable = create_engine(
        database_url(), poolclass=pool.NullPool, connect_args={connect_args!r}
    )
"""


@pytest.fixture
def production(postgres_url: str) -> Iterator[dict[str, str]]:
    """A real database with a seeded table, standing in for production: its libpq parameters."""
    import psycopg2

    from migration_guard.runners.pinned import libpq_target

    name = f"prod_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**libpq_target(postgres_url))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    target = {**libpq_target(postgres_url), "dbname": name}
    with psycopg2.connect(**target) as seeding:
        seeding.cursor().execute(
            "CREATE TABLE production_orders (id int PRIMARY KEY);"
            "INSERT INTO production_orders SELECT generate_series(1, 3)"
        )
    seeding.close()
    try:
        yield target
    finally:
        admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def test_trace_leaves_a_seeded_production_database_untouched(
    tmp_path: Path, team_database: Listener, production: dict[str, str]
) -> None:
    """The issue's data loss: trace's upgrade and downgrade ran on the server connect_args
    named, and its seeded table was dropped. Now they run on the throwaway server only."""
    import psycopg2

    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    env_py = repo / "backend" / "alembic" / "env.py"
    source = env_py.read_text()
    engine = (
        '    connectable = engine_from_config(section, prefix="sqlalchemy.", '
        "poolclass=pool.NullPool)\n"
    )
    connect_args = {**production, "port": int(production["port"])}
    source = source.replace(engine, SEEDED_ENGINE.format(connect_args=connect_args))
    env_py.write_text(source.replace("import engine_from_config,", "import create_engine,"))
    # 0001's downgrade drops what it created; make it drop the seeded table too, as a
    # downgrade written against production's schema would
    first = repo / "backend" / "alembic" / "versions" / "0001_create_users.py"
    text = first.read_text()
    assert "def downgrade() -> None:\n" in text
    first.write_text(
        text.replace(
            "def downgrade() -> None:\n",
            "def downgrade() -> None:\n    op.execute('DROP TABLE IF EXISTS production_orders')\n",
            1,
        )
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    result = guard(repo, team_database, "trace", "--all")
    output = result.stdout + result.stderr
    assert "0001_create_users.py): upgrade ok, downgrade ok" in output, output
    with psycopg2.connect(**production) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM production_orders")
        (rows,) = cursor.fetchone()
    connection.close()
    assert (tables, rows) == (["production_orders"], 3)
