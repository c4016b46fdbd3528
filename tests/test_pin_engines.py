"""Pinning reaches every engine constructor and every driver route, whenever the user's code
imports them, and the user's libpq settings neither redirect nor break a pinned child.

Each case runs in a fresh interpreter: which modules are already loaded is the point.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_guard.runners import pinned
from migration_guard.runners.child import pinned_env
from tests.test_children_pinned import Listener

PINNED = "postgresql://pinned@127.0.0.1:1/throwaway"

CHECK_ASYNC = f"""
import sys
from migration_guard.runners.pinned import pin_engines
{{before}}
pin_engines({PINNED!r})
from sqlalchemy.ext.asyncio import engine as async_engine
import sqlalchemy.engine
assert async_engine._create_engine is sqlalchemy.engine.create_engine, "async not pinned"
# the sync engine a create_async_engine call would build connects to the pinned server
engine = async_engine._create_engine("postgresql+psycopg2://team@db.internal:5432/app")
print(engine.url.render_as_string(hide_password=False))
"""


@pytest.mark.parametrize(
    "before",
    ["", "import sqlalchemy.ext.asyncio"],
    ids=["asyncio-imported-later", "asyncio-imported-first"],
)
def test_create_async_engine_is_pinned_whenever_it_is_imported(before: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK_ASYNC.format(before=before)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "postgresql+psycopg2://pinned@127.0.0.1:1/throwaway"


def test_pinning_does_not_load_the_orm() -> None:
    """The ORM (and the asyncio extension) is the user's to import: loading it in every child
    cost about 0.2 s per run."""
    script = (
        "import sys\n"
        "from migration_guard.runners.pinned import pin_engines\n"
        f"pin_engines({PINNED!r})\n"
        "print(sorted(m for m in ('sqlalchemy.orm', 'sqlalchemy.ext.asyncio') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Every route a connection can take through SQLAlchemy, psycopg2, psycopg 3 and asyncpg, as an
# env.py would write it, aimed at a listener standing in for the team's database. Each creates
# a table on whatever it reached; then the migration runs on env.py's URL (DATABASE_URL).
# The story is the first: connect_args naming the team's server and database.

ROUTES = {
    "sqlalchemy-connect_args-psycopg2": """
engine = create_engine(TEAM_URL_PSYCOPG2, connect_args={
    **TEAM, "service": "prod", "sslmode": "require", "hostaddr": "127.0.0.1",
    "target_session_attrs": "standby", "options": "-c application_name=kept"})
with engine.begin() as connection:
    connection.execute(text(MARK))
""",
    "sqlalchemy-connect_args-psycopg": """
engine = create_engine(TEAM_URL_PSYCOPG2.replace("psycopg2", "psycopg"),
                       connect_args={**TEAM, "sslmode": "require"})
with engine.begin() as connection:
    connection.execute(text(MARK))
""",
    "sqlalchemy-async-asyncpg": """
from sqlalchemy.ext.asyncio import create_async_engine

async def reach():
    engine = create_async_engine(TEAM_URL_PSYCOPG2.replace("psycopg2", "asyncpg"),
        connect_args={"host": TEAM["host"], "port": TEAM["port"], "database": "prod",
                      "ssl": "require"})
    async with engine.begin() as connection:
        await connection.execute(text(MARK))
    await engine.dispose()

asyncio.run(reach())
""",
    "sqlalchemy-async-psycopg": """
from sqlalchemy.ext.asyncio import create_async_engine

async def reach():
    engine = create_async_engine(TEAM_URL_PSYCOPG2.replace("psycopg2", "psycopg_async"),
                                 connect_args=TEAM)
    async with engine.begin() as connection:
        await connection.execute(text(MARK))
    await engine.dispose()

asyncio.run(reach())
""",
    "sqlalchemy-create_pool_from_url": """
import sqlalchemy
pool = sqlalchemy.create_pool_from_url(TEAM_URL_PSYCOPG2, connect_args=TEAM)
connection = pool.connect()
connection.cursor().execute(MARK)
connection.commit()
connection.close()
""",
    "sqlalchemy-engine_from_config": """
from sqlalchemy import engine_from_config
engine = engine_from_config({"sqlalchemy.url": TEAM_URL_PSYCOPG2}, connect_args=TEAM)
with engine.begin() as connection:
    connection.execute(text(MARK))
""",
    "sqlalchemy-creator": """
import psycopg2
engine = create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(**TEAM))
with engine.begin() as connection:
    connection.execute(text(MARK))
""",
    "psycopg2-connect-dsn": """
import psycopg2
with psycopg2.connect(TEAM_DSN) as connection:
    connection.cursor().execute(MARK)
""",
    "psycopg2-connect-uri": """
import psycopg2
with psycopg2.connect(TEAM_URI) as connection:
    connection.cursor().execute(MARK)
""",
    "psycopg2-connect-kwargs": """
from psycopg2 import connect
with connect(**TEAM, hostaddr="127.0.0.1", sslmode="require") as connection:
    connection.cursor().execute(MARK)
""",
    "psycopg2-connection-class": """
import psycopg2.extensions
with psycopg2.extensions.connection(TEAM_DSN) as connection:
    connection.cursor().execute(MARK)
""",
    "psycopg2-extras-connection": """
import psycopg2.extras
with psycopg2.extras.DictConnection(TEAM_DSN) as connection:
    connection.cursor().execute(MARK)
""",
    "psycopg2-connection_factory": """
import psycopg2, psycopg2.extras
with psycopg2.connect(TEAM_DSN, connection_factory=psycopg2.extras.RealDictConnection) as c:
    c.cursor().execute(MARK)
""",
    "psycopg2-pool": """
import psycopg2.pool
pool = psycopg2.pool.SimpleConnectionPool(1, 1, TEAM_DSN)
connection = pool.getconn()
connection.cursor().execute(MARK)
connection.commit()
pool.closeall()
""",
    "psycopg2-async": """
import psycopg2, psycopg2.extras
connection = psycopg2.connect(TEAM_DSN, async_=True)
psycopg2.extras.wait_select(connection)
cursor = connection.cursor()
cursor.execute(MARK)
psycopg2.extras.wait_select(connection)
connection.close()
""",
    "psycopg-connect": """
import psycopg
with psycopg.connect(TEAM_DSN) as connection:
    connection.execute(MARK)
""",
    "psycopg-Connection.connect": """
import psycopg
with psycopg.Connection.connect(**TEAM, sslmode="require") as connection:
    connection.execute(MARK)
""",
    "psycopg-AsyncConnection.connect": """
import psycopg

async def reach():
    async with await psycopg.AsyncConnection.connect(TEAM_URI) as connection:
        await connection.execute(MARK)

asyncio.run(reach())
""",
    "psycopg-pq.PGconn.connect": """
import psycopg.pq
pgconn = psycopg.pq.PGconn.connect(TEAM_DSN.encode())
assert pgconn.status == psycopg.pq.ConnStatus.OK, pgconn.get_error_message()
assert pgconn.exec_(MARK.encode()).status == psycopg.pq.ExecStatus.COMMAND_OK
pgconn.finish()
""",
    "psycopg_pool": """
import psycopg_pool
with psycopg_pool.ConnectionPool(TEAM_DSN, min_size=1, max_size=1, timeout=10) as pool:
    with pool.connection() as connection:
        connection.execute(MARK)
""",
    "asyncpg-connect": """
import asyncpg

async def reach():
    connection = await asyncpg.connect(TEAM_URI)
    await connection.execute(MARK)
    await connection.close()

asyncio.run(reach())
""",
    "asyncpg-connect-kwargs": """
import asyncpg

async def reach():
    connection = await asyncpg.connect(host=TEAM["host"], port=TEAM["port"], database="prod",
                                       user="team", password="secret", ssl="require")
    await connection.execute(MARK)
    await connection.close()

asyncio.run(reach())
""",
    "asyncpg-create_pool": """
import asyncpg

async def reach():
    async with asyncpg.create_pool(TEAM_URI, min_size=1, max_size=1) as pool:
        await pool.execute(MARK)

asyncio.run(reach())
""",
    "asyncpg.connection.connect": """
import asyncpg.connection

async def reach():
    connection = await asyncpg.connection.connect(TEAM_URI, target_session_attrs="standby")
    await connection.execute(MARK)
    await connection.close()

asyncio.run(reach())
""",
}

ENV_PY = """
import asyncio
import os

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

TEAM = {{"host": "127.0.0.1", "port": {port}, "dbname": "prod", "user": "team",
        "password": "secret"}}
TEAM_DSN = "host=127.0.0.1 port={port} dbname=prod user=team password=secret sslmode=require"
TEAM_URI = "postgresql://team:secret@127.0.0.1:{port}/prod"
TEAM_URL_PSYCOPG2 = "postgresql+psycopg2://team:secret@127.0.0.1:{port}/prod"
MARK = "CREATE TABLE reached (route text)"

{route}

engine = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISION = '''"""create migrated"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("migrated", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("migrated")
'''


@pytest.fixture
def team_database() -> Iterator[Listener]:
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture
def throwaway_database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the session's throwaway server: where every connection must end."""
    import psycopg2
    from sqlalchemy.engine import make_url

    name = f"pin_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(
        make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    )
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def run_pinned_upgrade(
    tmp_path: Path, route: str, listener: Listener, url: str, environment: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``alembic upgrade head`` through the pinning entry the local runner's children use, on a
    project whose env.py opens a connection by ``route``."""
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text(
        ENV_PY.format(port=listener.port, route=ROUTES[route])
    )
    (tmp_path / "migrations" / "versions" / "a1.py").write_text(REVISION)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    return subprocess.run(
        [sys.executable, "-m", "migration_guard.runners.pinned", "upgrade", "head"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tables_and_version(url: str) -> tuple[list[str], list[str]]:
    import psycopg2
    from sqlalchemy.engine import make_url

    with psycopg2.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as c:
        cursor = c.cursor()
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT version_num FROM alembic_version")
        versions = [row[0] for row in cursor.fetchall()]
    c.close()
    return tables, versions


@pytest.mark.slow
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_connection_route_ends_at_the_throwaway_database(
    tmp_path: Path, route: str, team_database: Listener, throwaway_database: str
) -> None:
    result = run_pinned_upgrade(
        tmp_path,
        route,
        team_database,
        throwaway_database,
        pinned_env("DATABASE_URL", throwaway_database),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert team_database.connections == 0
    assert tables_and_version(throwaway_database) == (
        ["alembic_version", "migrated", "reached"],
        ["a1"],
    )


# The user's libpq settings, set in the child's own environment (a compose service's, a
# shell's): each alone would redirect or refuse a connection to the throwaway server.
HOSTILE_LIBPQ_ENVIRONMENT = {
    "PGSSLMODE": "require",
    "PGGSSENCMODE": "require",
    "PGOPTIONS": "-c default_transaction_read_only=on",
    "PGTARGETSESSIONATTRS": "standby",
    "PGCHANNELBINDING": "require",
    "PGSERVICE": "prod",
    "PGREQUIREAUTH": "scram-sha-256",
    "PGSSLNEGOTIATION": "direct",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "route", ["psycopg2-connect-kwargs", "psycopg-connect", "asyncpg-connect-kwargs"]
)
def test_the_users_libpq_settings_neither_redirect_nor_break_a_child(
    tmp_path: Path, route: str, team_database: Listener, throwaway_database: str
) -> None:
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text(f"[prod]\nhost=127.0.0.1\nport={team_database.port}\ndbname=prod\n")
    environment = pinned_env("DATABASE_URL", throwaway_database)
    environment.update(
        HOSTILE_LIBPQ_ENVIRONMENT,
        PGHOST="127.0.0.1",
        PGPORT=str(team_database.port),
        PGSERVICEFILE=str(service_file),
    )
    result = run_pinned_upgrade(tmp_path, route, team_database, throwaway_database, environment)
    assert result.returncode == 0, result.stderr[-3000:]
    assert team_database.connections == 0
    assert tables_and_version(throwaway_database) == (
        ["alembic_version", "migrated", "reached"],
        ["a1"],
    )


def test_the_parents_environment_reaches_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PG* variable of ours is dropped, and libpq's files point at nothing."""
    for key, value in HOSTILE_LIBPQ_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PGHOST", "db.team.internal")
    environment = pinned.child_environment(
        "postgresql://mg@/throwaway?host=/run/mg-socket&port=5433"
    )
    assert {key: value for key, value in environment.items() if key.startswith("PG")} == {
        "PGHOST": "/run/mg-socket",
        "PGPORT": "5433",
        "PGUSER": "mg",
        "PGDATABASE": "throwaway",
        "PGCONNECT_TIMEOUT": "10",
        "PGPASSFILE": os.devnull,
        "PGSERVICEFILE": os.devnull,
        "PGSYSCONFDIR": os.path.join(os.devnull, "migration-guard"),
    }
    assert pinned.libpq_clean_environ({"PGSSLMODE": "require", "PATH": "/bin"}) == {
        "PATH": "/bin",
        "PGPASSFILE": os.devnull,
        "PGSERVICEFILE": os.devnull,
        "PGSYSCONFDIR": os.path.join(os.devnull, "migration-guard"),
    }


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (
            "postgresql+psycopg2://mg:p%40ss@127.0.0.1:5433/throwaway",
            {
                "host": "127.0.0.1",
                "port": "5433",
                "dbname": "throwaway",
                "user": "mg",
                "password": "p@ss",
            },
        ),
        (
            "postgresql://mg@/throwaway?host=/tmp/mg%20socket",
            {"host": "/tmp/mg socket", "port": "5432", "dbname": "throwaway", "user": "mg"},
        ),
        (
            "postgresql://mg@%2Ftmp%2Fmg/throwaway?sslmode=require&application_name=x",
            {
                "host": "/tmp/mg",
                "port": "5432",
                "dbname": "throwaway",
                "user": "mg",
                "sslmode": "require",
            },
        ),
        ("postgresql://mg@[::1]:7/db", {"host": "::1", "port": "7", "dbname": "db", "user": "mg"}),
    ],
    ids=["tcp", "socket-in-query", "socket-in-netloc", "ipv6"],
)
def test_the_pinned_url_may_name_a_socket_folder(url: str, target: dict[str, str]) -> None:
    assert pinned.libpq_target(url) == target


def test_a_pinned_url_without_a_host_is_refused() -> None:
    """libpq's default would be this machine's own server, perhaps the user's."""
    with pytest.raises(ValueError, match="names no host"):
        pinned.libpq_target("postgresql:///throwaway")


CHECK_DRIVERS = """
import asyncio
{before}
from migration_guard.runners.pinned import pin
pin("postgresql://mg@127.0.0.1:1/throwaway")
import asyncpg, psycopg, psycopg2, psycopg2.extras

dsn = "host=127.0.0.1 port={port} dbname=prod"
attempts = {{
    "psycopg2": lambda: psycopg2.connect(dsn),
    "psycopg2.extras": lambda: psycopg2.extras.DictConnection(dsn),
    "psycopg": lambda: psycopg.connect(dsn),
    "asyncpg": lambda: asyncio.run(asyncpg.connect(host="127.0.0.1", port={port})),
}}
for name, attempt in attempts.items():
    try:
        attempt()
    except Exception as error:
        print(name, "port 1" in str(error) or "', 1)" in str(error))
"""


@pytest.mark.parametrize(
    "before",
    ["", "import asyncpg, psycopg, psycopg2, psycopg2.extras"],
    ids=["drivers-imported-later", "drivers-imported-first"],
)
def test_drivers_are_pinned_whenever_they_are_imported(
    before: str, team_database: Listener
) -> None:
    """A prepared child imports the drivers before it is pinned; env.py imports them after."""
    script = CHECK_DRIVERS.format(before=before, port=team_database.port)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == [
        "psycopg2 True",
        "psycopg2.extras True",
        "psycopg True",
        "asyncpg True",
        "",
    ]
    assert team_database.connections == 0
