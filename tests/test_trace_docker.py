"""``trace`` with ``runner = "docker"``: the trace job runs in the compose ``backend`` service on
a throwaway ``mg_trace_…`` database of the compose ``db`` server (created, then dropped), through
the fake docker of test_drift_docker (the only stand-in); the application database is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from migration_guard.runners.child import with_installed_driver
from migration_guard.runners.postgres.databases import query
from tests.projects import make_project, run_cli
from tests.test_drift_docker import FAKE_DOCKER, compose_db, docker_calls
from tests.test_trace_command import BASE_TABLE, line_of, write_revision

pytestmark = pytest.mark.slow
__all__ = ["compose_db"]  # the fixture, imported for this module's tests


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "app", pyproject='runner = "docker"\n')
    (root / "docker-compose.yml").write_text("services:\n  db: {}\n  backend: {}\n")
    write_revision(root, "a1", None, BASE_TABLE, 'op.drop_table("orders")')
    return root


def trace(
    root: Path, tmp_path: Path, postgres_url: str, compose_url: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    fake = tmp_path / "fake-bin"
    fake.mkdir(exist_ok=True)
    (fake / "docker").write_text(FAKE_DOCKER.format(python=sys.executable))
    (fake / "docker").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{Path(shutil.which('git') or '/usr/bin/git').parent}",
        "FAKE_DOCKER_LOG": str(tmp_path / "docker.log"),
        "FAKE_SERVER_URL": postgres_url,
        # the service's own URL, with the driver its image has (as a real service's would name)
        "FAKE_DATABASE_URL": with_installed_driver(compose_url),
    }
    env.pop("DATABASE_URL", None)
    completed = run_cli(root, "--format", "json", "trace", *args, env=env)
    document = json.loads(completed.stdout) if completed.stdout.strip() else {}
    return completed, document


def test_trace_runs_in_the_backend_container_on_a_throwaway_database(
    project: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> None:
    path = write_revision(
        project,
        "b2",
        "a1",
        'op.alter_column("orders", "amount", type_=sa.BigInteger())',
        'op.alter_column("orders", "amount", type_=sa.Integer())',
    )
    completed, report = trace(project, tmp_path, postgres_url, compose_db, "b2")
    assert completed.returncode == 0, completed.stderr
    assert len(report["trace"]) == 1, (completed.stderr, report)
    (entry,) = report["trace"]
    assert (entry["upgrade"], entry["downgrade"]) == ("ok", "ok")
    (statement,) = [s for s in entry["statements"] if "ALTER TABLE" in s["sql"]]
    assert statement["rewrites"] == ["orders"]
    assert {"relation": "orders", "mode": "AccessExclusiveLock"} in statement["locks"]
    assert statement["line"] == line_of(path, "op.alter_column")

    calls = docker_calls(tmp_path)
    psql = [call[-1] for call in calls if call[1:4] == ["exec", "-T", "db"]]
    assert len(psql) == 2 and psql[0].startswith('CREATE DATABASE "mg_trace_'), psql
    assert psql[1].startswith('DROP DATABASE IF EXISTS "mg_trace_'), psql
    (run,) = [call for call in calls if call[1:4] == ["run", "--rm", "-T"]]
    assert run[run.index("-m") + 1] == "migration_guard.trace.worker"
    assert query(compose_db, "SELECT to_regclass('alembic_version') IS NULL") == [(True,)]
    assert query(postgres_url, "SELECT 1 FROM pg_database WHERE datname LIKE 'mg_trace_%'") == []


def test_a_seed_file_outside_the_project_is_refused_for_docker(
    project: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> None:
    outside = tmp_path / "seed.sql"
    outside.write_text("SELECT 1;\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'trace_seed = "{outside}"\n')
    write_revision(project, "b2", "a1", 'op.add_column("orders", sa.Column("x", sa.Text()))')
    completed, _report = trace(project, tmp_path, postgres_url, compose_db, "b2")
    assert completed.returncode == 2, completed.stderr
    (line,) = completed.stderr.strip().splitlines()[-1:]
    assert "seed file must be inside the project" in line
    assert query(postgres_url, "SELECT 1 FROM pg_database WHERE datname LIKE 'mg_trace_%'") == []


def test_after_a_leaky_downgrade_the_rest_are_traced_on_a_fresh_database(
    project: Path, tmp_path: Path, postgres_url: str, compose_db: str
) -> None:
    # a downgrade that runs SQL and still leaves `x` behind (one that runs none is stamped
    # back and traced on in the same job: test_trace_command)
    write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("x", sa.Text()))',
        'op.execute("SELECT 1")',
    )
    path = write_revision(
        project,
        "c3",
        "b2",
        'op.add_column("orders", sa.Column("y", sa.Text()))',
        'op.drop_column("orders", "y")',
    )
    completed, report = trace(project, tmp_path, postgres_url, compose_db, "--all")
    assert completed.returncode == 1, completed.stderr
    assert [(e["revision"], e["upgrade"], e["downgrade"]) for e in report["trace"]] == [
        ("a1", "ok", "ok"),
        ("b2", "ok", "not-reversible"),
        ("c3", "ok", "ok"),
    ]
    (statement,) = entry_statements = report["trace"][2]["statements"]
    assert statement["line"] == line_of(path, "op.add_column"), entry_statements
    assert [f["rule"] for f in report["findings"]] == ["downgrade-not-reversible"]

    calls = docker_calls(tmp_path)
    psql = [call[-1].split(" ")[0:2] for call in calls if call[1:4] == ["exec", "-T", "db"]]
    create, drop = ["CREATE", "DATABASE"], ["DROP", "DATABASE"]
    assert psql == [create, drop, create, drop]  # the second job on a fresh database
    assert len([call for call in calls if call[1:4] == ["run", "--rm", "-T"]]) == 2
    assert query(postgres_url, "SELECT 1 FROM pg_database WHERE datname LIKE 'mg_trace_%'") == []
