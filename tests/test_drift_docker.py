"""``drift`` with ``runner = "docker"``: the compare job runs in the compose ``backend`` service on
a throwaway database of the compose ``db`` server, through a fake docker (the only stand-in) that
records its argv and does the same locally: ``exec db psql`` runs the statement on the test
server, ``run backend`` runs the command with the ``-v`` mounts mapped back to their host folders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_guard.runners.postgres.databases import create_database, drop_database, query
from tests.conftest import EXAMPLE
from tests.projects import commit_all, init_repo

pytestmark = pytest.mark.slow

MODELS = "backend/app/models"

FAKE_DOCKER = textwrap.dedent(
    '''\
    #!{python}
    """Fake docker compose: records argv, does the equivalent locally."""
    import json, os, subprocess, sys

    argv = sys.argv[1:]
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(json.dumps(argv) + "\\n")
    if argv[:1] != ["compose"]:
        sys.exit("docker: unknown command")
    argv = argv[1:]
    if argv == ["version"]:
        print("Docker Compose version v2.99.0-fake")
    elif argv[:1] == ["ps"]:
        print("db\\nbackend")
    elif argv[:3] == ["exec", "-T", "db"]:
        import psycopg2
        connection = psycopg2.connect(os.environ["FAKE_SERVER_URL"])
        connection.autocommit = True
        connection.cursor().execute(argv[-1])
        connection.close()
    elif argv[:3] == ["run", "--rm", "-T"]:
        mounts, env, cwd, rest = [], {{}}, None, argv[3:]
        while rest[0].startswith("-"):
            flag, value, rest = rest[0], rest[1], rest[2:]
            if flag == "-v":
                source, target = value.split(":")[:2]
                mounts.append((source, target))
            elif flag == "-e":
                key, _, env_value = value.partition("=")
                env[key] = env_value
            elif flag == "-w":
                cwd = value
        service, command = rest[0], rest[1:]

        def host(path):
            for source, target in mounts:
                if path == target or path.startswith(target + "/"):
                    return source + path[len(target):]
                if target.startswith(path + "/") and source.endswith(target[len(path):]):
                    return source[: len(source) - len(target) + len(path)]
            return path

        environment = dict(os.environ, DATABASE_URL=os.environ["FAKE_DATABASE_URL"])
        environment.update({{key: host(value) for key, value in env.items()}})
        if command[:1] == ["python"]:
            command = [sys.executable, *command[1:]]
        sys.exit(subprocess.run([host(word) for word in command], cwd=host(cwd), env=environment).returncode)
    else:
        sys.exit(f"fake docker: unexpected {{argv}}")
    '''
)


@pytest.fixture
def compose_db(postgres_url: str) -> Iterator[str]:
    """The compose ``db`` service's own database: the one that must never be touched."""
    name = f"compose_{uuid.uuid4().hex[:10]}"
    url = create_database(postgres_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_url, name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('runner = "auto"', 'runner = "docker"'))
    init_repo(root)
    return root


def drift(
    repo: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "fake-bin"
    fake.mkdir(exist_ok=True)
    (fake / "docker").write_text(FAKE_DOCKER.format(python=sys.executable))
    (fake / "docker").chmod(0o755)
    git = Path(shutil.which("git") or "/usr/bin/git").parent
    env = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{git}",
        "FAKE_DOCKER_LOG": str(tmp_path / "docker.log"),
        "FAKE_SERVER_URL": postgres_url,
        "FAKE_DATABASE_URL": compose_db,
        "MIGRATION_GUARD_CACHE": str(tmp_path / "no-cache-needed"),
    }
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--format", "json", "drift"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
    )


def docker_calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "docker.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def drift_databases(postgres_url: str) -> list[object]:
    return query(postgres_url, "SELECT datname FROM pg_database WHERE datname LIKE 'mg_drift_%'")


def test_drift_runs_in_the_backend_container_on_a_throwaway_database(
    repo: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> None:
    result = drift(repo, tmp_path, postgres_url, compose_db)
    assert result.returncode == 1, result.stderr
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["message"] == "add column documents.language (String(8), not null)"
    assert problem["path"] == f"{MODELS}/document.py"

    calls = docker_calls(tmp_path)
    created = [c for c in calls if c[1:4] == ["exec", "-T", "db"] and "CREATE DATABASE" in c[-1]]
    dropped = [c for c in calls if c[1:4] == ["exec", "-T", "db"] and "DROP DATABASE" in c[-1]]
    assert len(created) == len(dropped) == 1, calls
    runs = [c for c in calls if c[1:5] == ["run", "--rm", "-T", "-v"]]
    assert len(runs) == 2, calls  # upgrade heads, then compare
    for run in runs:
        tree_mount = run[run.index("-v") + 1]
        assert tree_mount.endswith(":/migration-guard/tree:ro"), run
        assert not tree_mount.startswith(str(repo)), "the work tree is never what is judged"
        assert run[run.index("backend") + 1 :][:3] == [
            "python",
            "-m",
            "migration_guard.drift.worker",
        ]
    # the compose database itself was never opened for writing, nor upgraded
    assert query(compose_db, "SELECT to_regclass('alembic_version') IS NULL") == [(True,)]
    assert drift_databases(postgres_url) == []


def test_drift_in_compose_judges_the_committed_tree(
    repo: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> None:
    """An untracked revision in the work tree is mounted nowhere: HEAD still drifts."""
    versions = repo / "backend" / "alembic" / "versions"
    (versions / "0007_add_language.py").write_text(
        'revision = "0007lang"\ndown_revision = "e2b86d14f07a"\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        '    op.add_column("documents", sa.Column("language", sa.String(8), nullable=False))\n'
        "\n\ndef downgrade():\n    pass\n"
    )
    assert drift(repo, tmp_path, postgres_url, compose_db).returncode == 1
    commit_all(repo, "the revision")
    in_sync = drift(repo, tmp_path, postgres_url, compose_db)
    assert in_sync.returncode == 0, in_sync.stderr
    assert json.loads(in_sync.stdout) == {"problems": []}


def test_a_model_import_error_in_compose_names_the_repository_file(
    repo: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> None:
    model = repo / MODELS / "document.py"
    model.write_text(model.read_text() + "\nraise RuntimeError('broken model')\n")
    commit_all(repo, "broken")
    result = drift(repo, tmp_path, postgres_url, compose_db)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"migration-guard: error: {MODELS}/document.py:"), line
    assert "broken model" in line
    assert drift_databases(postgres_url) == []
