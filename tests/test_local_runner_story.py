"""The local runner's story: the runner line says the real reason it was chosen, and the printed
test command runs where the user is (not against the compose-internal `db` host).

Real git, real Alembic, the real throwaway PostgreSQL; PATH holds git only (no docker).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from migration_guard.runners.postgres.databases import create_database, query
from migration_guard.runners.postgres.server import running_postgres
from tests.conftest import EXAMPLE, shared_cache
from tests.projects import git

pytestmark = pytest.mark.slow

LOCAL = "a private PostgreSQL, never your DATABASE_URL"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def guard(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """From the project root, with git on PATH and no docker."""
    git_only = project.parent / "git-only-bin"
    git_only.mkdir(exist_ok=True)
    if not (git_only / "git").exists():
        (git_only / "git").symlink_to(shutil.which("git") or "git")
    environment = dict(os.environ, PATH=str(git_only))
    environment["MIGRATION_GUARD_CACHE"] = str(shared_cache())
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def set_config(project: Path, key: str, value: str) -> None:
    pyproject = project / "pyproject.toml"
    lines = [line for line in pyproject.read_text().splitlines() if not line.startswith(f"{key} =")]
    pyproject.write_text("\n".join(lines) + f"\n{key} = {value}\n")


def runner_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("runner: ")]
    return line


def test_the_hook_with_runner_auto_says_docker_is_missing_not_asked_for(project: Path) -> None:
    model = project / "backend/app/models/user.py"
    model.write_text(
        model.read_text() + "    nickname: Mapped[str | None] = mapped_column(String(40))\n"
    )
    git(project, "add", "backend/app/models/user.py")
    result = guard(project, "hook", "backend/app/models/user.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert runner_line(result.stdout) == f"runner: local (docker compose is not available; {LOCAL})"


def test_without_a_compose_file_the_runner_line_says_so(project: Path) -> None:
    (project / "docker-compose.yml").unlink()
    result = guard(project, "new", "add language", "--dry-run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert runner_line(result.stdout) == (
        f"runner: local (no compose file docker-compose.yml; {LOCAL})"
    )


def test_asked_for_names_who_asked(project: Path) -> None:
    passed = guard(project, "new", "add language", "--dry-run", "--runner", "local")
    assert runner_line(passed.stdout) == f"runner: local (asked for with --runner local; {LOCAL})"
    set_config(project, "runner", '"local"')
    configured = guard(project, "new", "add language", "--dry-run")
    assert runner_line(configured.stdout) == (
        f'runner: local (asked for with runner = "local" in [tool.migration-guard]; {LOCAL})'
    )


@pytest.fixture
def reachable_database() -> Iterator[str]:
    """A database over TCP on 127.0.0.1, as compose's published port would be (the throwaway
    servers of jobs listen on no TCP port: this one is asked to)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running_postgres(tcp_port=port) as server:
        yield create_database(server.url, f"tests_{uuid.uuid4().hex[:8]}")


def printed_test_command(output: str) -> str:
    lines = output.splitlines()
    return lines[lines.index("To run tests after:") + 1].strip()


def url_assigned_in(command: str) -> str:
    [assignment] = [word for word in shlex.split(command) if "TEST_DATABASE_URL=" in word]
    return assignment.split("TEST_DATABASE_URL=", 1)[1]


def test_the_local_test_command_reaches_the_port_compose_publishes(
    project: Path, reachable_database: str
) -> None:
    """test_database_url names the compose `db` service; compose publishes its 5432 on the
    port our real server listens on: the printed command's URL connects from here."""
    real = urlsplit(reachable_database)
    inside_compose = f"postgresql://{real.username}@db:5432{real.path}"
    set_config(project, "test_database_url", f'"{inside_compose}"')
    compose = project / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "    image: postgres:16\n",
            f'    image: postgres:16\n    ports:\n      - "{real.port}:5432"\n',
        )
    )
    result = guard(project, "new", "add language", "--dry-run")
    output = result.stdout
    command = printed_test_command(output)
    assert command.startswith("cd backend && TEST_DATABASE_URL=")
    url = url_assigned_in(command)
    assert urlsplit(url).hostname == "localhost" and urlsplit(url).port == real.port
    assert query(url.replace("localhost", "127.0.0.1"), "SELECT 1") == [(1,)]
    assert "resolves only inside compose" in output
    assert "@db:5432" not in command


def test_without_a_published_port_the_tests_run_inside_compose(project: Path) -> None:
    result = guard(project, "new", "add language", "--dry-run")
    command = printed_test_command(result.stdout)
    assert command == (
        "docker compose run --rm -e "
        "TEST_DATABASE_URL=postgresql://catalyst:catalyst@db:5432/catalyst_test "
        "backend pytest tests/ -v"
    )
    assert "publishes no port" in result.stdout


def test_a_url_that_is_not_a_compose_service_is_printed_as_configured(project: Path) -> None:
    set_config(project, "test_database_url", '"postgresql://me@127.0.0.1:6543/mine"')
    result = guard(project, "new", "add language", "--dry-run")
    assert printed_test_command(result.stdout) == (
        "cd backend && TEST_DATABASE_URL=postgresql://me@127.0.0.1:6543/mine pytest tests/ -v"
    )
    assert re.search(r"resolves only inside compose|publishes no port", result.stdout) is None
