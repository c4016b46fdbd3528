"""Small real Alembic projects and git repositories in temporary folders."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.graph.helpers import revision_source

# The bundled example backend (examples/verity-prism): its head, its folders, and the revision
# its pending model change calls for.
EXAMPLE_HEAD = "e2b86d14f07a"
VERSIONS = "backend/alembic/versions"
MODELS = "backend/app/models"
LANGUAGE_REVISION = f'''"""add document language

Revision ID: 0007lang
Revises: {EXAMPLE_HEAD}
"""
import sqlalchemy as sa
from alembic import op

revision = "0007lang"
down_revision = "{EXAMPLE_HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("documents", sa.Column("language", sa.String(length=8), nullable=False))


def downgrade():
    op.drop_column("documents", "language")
'''


ENV_PY = """
from alembic import context
import os

config = context.config


def run_migrations_offline():
    context.configure(url=os.environ["DATABASE_URL"], literal_binds=True, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    from sqlalchemy import create_engine

    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

ENV_PY_ONLINE_ONLY = ENV_PY.replace(
    "if context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    run_migrations_online()",
    "run_migrations_online()",
)

ALEMBIC_INI = """[alembic]
script_location = %(here)s/migrations
{extra}
"""


def make_project(
    root: Path, *, env_py: str = ENV_PY, extra_ini: str = "", pyproject: str = ""
) -> Path:
    """A project with ``alembic.ini`` at its root and revisions in ``migrations/versions``."""
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    (root / "migrations" / "env.py").write_text(env_py)
    (root / "alembic.ini").write_text(ALEMBIC_INI.format(extra=extra_ini))
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n[tool.migration-guard]\nalembic_ini = "alembic.ini"\n'
        + pyproject
    )
    return root


def add_revision(
    root: Path,
    revision: str,
    down: str | tuple[str, ...] | None,
    *,
    upgrade: str = "pass",
    filename: str | None = None,
    labels: str | tuple[str, ...] | None = None,
    depends_on: str | tuple[str, ...] | None = None,
) -> Path:
    """A revision file whose ``upgrade()`` body is ``upgrade`` (indented for you)."""
    source = revision_source(revision, down, labels=labels, depends_on=depends_on)
    body = "\n".join("    " + line if line else "" for line in upgrade.strip("\n").splitlines())
    docstring_end = source.index('"""\n', 3) + 4
    source = (
        source[:docstring_end]
        + "from alembic import op\nimport sqlalchemy as sa\n"
        + source[docstring_end:].replace("def upgrade():\n    pass\n", f"def upgrade():\n{body}\n")
    )
    path = root / "migrations" / "versions" / (filename or f"{revision}.py")
    path.write_text(source)
    return path


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def run_cli(
    root: Path, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command, as a separate process, as a user or a CI step runs it; ``env`` is its
    whole environment (None: this process's)."""
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--project", str(root), "--no-color", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        check=False,
    )


def count_env_py_runs(root: Path) -> None:
    """Make the example backend's env.py write on every online run: it counts its runs in a
    sequence (``env_runs``) of the database it runs on."""
    env_py = root / "backend" / "alembic" / "env.py"
    connect = "    with connectable.connect() as connection:\n"
    text = env_py.read_text()
    assert connect in text
    env_py.write_text(
        text.replace(
            connect,
            connect
            + "        from sqlalchemy import text as sql\n"
            + '        connection.execute(sql("CREATE SEQUENCE IF NOT EXISTS env_runs"))\n'
            + "        connection.execute(sql(\"SELECT nextval('env_runs')\"))\n"
            + "        connection.commit()\n",
        )
    )


def env_py_runs_in_templates() -> list[int]:
    """The runs :func:`count_env_py_runs` counted in each cached template that has the count."""
    from migration_guard.runners import templates
    from migration_guard.runners.cluster import cluster
    from migration_guard.runners.postgres import databases as pg

    counted: list[int] = []
    with cluster(lambda _line: None) as server:
        names = pg.query(
            server.url,
            f"SELECT datname FROM pg_database WHERE datname LIKE '{templates.TEMPLATE_PREFIX}%'",
        )
        for (name,) in names:
            url = pg.database_url(server.url, str(name))
            if pg.query(url, "SELECT to_regclass('env_runs') IS NOT NULL") == [(True,)]:
                counted += [
                    int(value) for (value,) in pg.query(url, "SELECT last_value FROM env_runs")
                ]
    return counted
