"""`new`: the docker runner through a fake docker executable, the local runner, and bad input.

The fake `docker` / `docker-compose` (the only stand-in) records its argv and does the
equivalent locally: `run --rm backend alembic …` runs the real Alembic in the backend folder
against a real throwaway PostgreSQL database.
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

from migration_guard.runners.postgres.databases import create_database, drop_database
from tests.conftest import EXAMPLE, shared_cache

pytestmark = pytest.mark.slow

HEAD = "e2b86d14f07a"
VERSIONS = "backend/alembic/versions"

FAKE_DOCKER = textwrap.dedent(
    '''\
    #!{python}
    """Fake docker / docker-compose: records argv, does the equivalent locally."""
    import json, os, subprocess, sys
    from pathlib import Path

    name = Path(sys.argv[0]).name
    argv = sys.argv[1:]
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(json.dumps([name, *argv]) + "\\n")
    if name == "docker":
        if argv[:1] != ["compose"] or os.environ.get("FAKE_NO_COMPOSE_PLUGIN"):
            sys.exit("docker: unknown command")
        argv = argv[1:]
    state = Path(os.environ["FAKE_DOCKER_STATE"])
    if argv == ["version"]:
        print("Docker Compose version v2.99.0-fake")
    elif argv[:1] == ["ps"]:
        if state.exists():
            print("db\\nbackend")
    elif argv[:2] == ["up", "-d"]:
        state.write_text("running")
    elif argv[:3] == ["run", "--rm", "backend"]:
        command = argv[3:]
        if command[:1] != ["alembic"]:
            sys.exit(f"fake docker: unexpected command {{command}}")
        env = dict(os.environ, DATABASE_URL=os.environ["FAKE_DATABASE_URL"])
        backend = Path.cwd() / "backend"
        sys.exit(subprocess.run([sys.executable, "-m", "alembic", *command[1:]], cwd=backend, env=env).returncode)
    else:
        sys.exit(f"fake docker: unexpected {{argv}}")
    '''
)


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


@pytest.fixture
def compose_db(postgres_url: str) -> Iterator[str]:
    """The 'compose' database the fake docker's backend service talks to."""
    name = f"compose_{uuid.uuid4().hex[:10]}"
    url = create_database(postgres_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_url, name)


def fake_bin(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "fake-bin"
    folder.mkdir(exist_ok=True)
    for name in names:
        script = folder / name
        script.write_text(FAKE_DOCKER.format(python=sys.executable))
        script.chmod(0o755)
    return folder


def only_git_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "git-only-bin"
    folder.mkdir(exist_ok=True)
    git_path = shutil.which("git")
    assert git_path is not None
    if not (folder / "git").exists():
        (folder / "git").symlink_to(git_path)
    return folder


def guard(
    project: Path, *args: str, path: list[Path], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join(str(folder) for folder in path)
    environment["MIGRATION_GUARD_CACHE"] = str(shared_cache())
    environment.pop("DATABASE_URL", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", "--project", str(project), *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def docker_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        "FAKE_DOCKER_LOG": str(tmp_path / "docker.log"),
        "FAKE_DOCKER_STATE": str(tmp_path / "docker.state"),
        "FAKE_DATABASE_URL": url,
        **extra,
    }


def calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "docker.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def upgrade_compose_db(project: Path, url: str, target: str = "head") -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", target],
        cwd=project / "backend",
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def revision_of(project: Path, filename: str) -> str:
    for line in (project / VERSIONS / filename).read_text().splitlines():
        if line.startswith("revision"):
            return line.split("=")[-1].strip().strip("'\"")
    raise AssertionError(f"no revision in {filename}")


def revision_files(project: Path) -> set[str]:
    return {path.name for path in (project / VERSIONS).iterdir()}


def assert_never_upgraded(recorded: list[list[str]]) -> None:
    for call in recorded:
        if "upgrade" in call:
            assert "--sql" in call, call  # offline renders only


def test_docker_runner_starts_services_and_autogenerates_in_compose(
    project: Path, tmp_path: Path, compose_db: str
) -> None:
    upgrade_compose_db(project, compose_db)
    before = revision_files(project)
    result = guard(
        project,
        "new",
        "add language",
        "--runner",
        "docker",
        path=[fake_bin(tmp_path, "docker"), only_git_bin(tmp_path)],
        env=docker_env(tmp_path, compose_db),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # the NOT NULL column is an error finding
    new = revision_files(project) - before
    assert len(new) == 1, output
    revision = new.pop().split("_")[0]
    recorded = calls(tmp_path)
    assert recorded[:5] == [
        ["docker", "compose", "version"],
        ["docker", "compose", "ps", "--services", "--filter", "status=running"],
        ["docker", "compose", "up", "-d", "db", "backend"],
        ["docker", "compose", "run", "--rm", "backend", "alembic", "current"],
        [
            "docker",
            "compose",
            "run",
            "--rm",
            "backend",
            "alembic",
            "revision",
            "--autogenerate",
            "-m",
            "add language",
        ],
    ]
    assert [
        "docker",
        "compose",
        "run",
        "--rm",
        "backend",
        "alembic",
        "upgrade",
        f"{HEAD}:{revision}",
        "--sql",
    ] in recorded
    assert_never_upgraded(recorded)
    assert "ALTER TABLE documents ADD COLUMN language VARCHAR(8) NOT NULL" in output
    assert "not-null-without-default" in output
    assert "docker compose run --rm backend alembic upgrade head" in output
    assert "docker compose run --rm backend alembic downgrade -1" in output
    assert (
        "docker compose run --rm -e TEST_DATABASE_URL=postgresql://catalyst:catalyst@db:5432/catalyst_test "
        "backend pytest tests/ -v" in output
    )


def test_docker_runner_skips_up_when_running_and_uses_compose_v1(
    project: Path, tmp_path: Path, compose_db: str
) -> None:
    upgrade_compose_db(project, compose_db)
    (tmp_path / "docker.state").write_text("running")
    before = revision_files(project)
    result = guard(
        project,
        "new",
        "add language",
        "--runner",
        "docker",
        "--dry-run",
        path=[fake_bin(tmp_path, "docker", "docker-compose"), only_git_bin(tmp_path)],
        env=docker_env(tmp_path, compose_db, FAKE_NO_COMPOSE_PLUGIN="1"),
    )
    output = result.stdout + result.stderr
    assert "Dry run" in output, output
    assert revision_files(project) == before  # dry run keeps nothing
    recorded = [call for call in calls(tmp_path) if call[0] == "docker-compose"]
    assert recorded[:3] == [
        ["docker-compose", "ps", "--services", "--filter", "status=running"],
        ["docker-compose", "run", "--rm", "backend", "alembic", "current"],
        [
            "docker-compose",
            "run",
            "--rm",
            "backend",
            "alembic",
            "revision",
            "--autogenerate",
            "-m",
            "add language",
        ],
    ]
    assert not any(call[1:2] == ["up"] for call in recorded)
    assert_never_upgraded(recorded)
    assert "docker-compose run --rm backend alembic upgrade head" in output


def test_docker_runner_stops_when_the_compose_database_is_not_at_head(
    project: Path, tmp_path: Path, compose_db: str
) -> None:
    upgrade_compose_db(
        project, compose_db, revision_of(project, "0005_add_soft_delete_to_documents.py")
    )
    before = revision_files(project)
    result = guard(
        project,
        "new",
        "add language",
        "--runner",
        "docker",
        path=[fake_bin(tmp_path, "docker"), only_git_bin(tmp_path)],
        env=docker_env(tmp_path, compose_db),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "docker compose run --rm backend alembic upgrade head" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert revision_files(project) == before
    recorded = calls(tmp_path)
    assert not any("revision" in call for call in recorded)
    assert_never_upgraded(recorded)


def test_docker_missing_is_an_environment_error(project: Path, tmp_path: Path) -> None:
    before = revision_files(project)
    result = guard(
        project, "new", "add language", "--runner", "docker", path=[only_git_bin(tmp_path)]
    )
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "migration-guard: error: docker is not available: neither `docker compose` nor "
        "`docker-compose` runs (install Docker, or use --runner local)"
    ]
    assert revision_files(project) == before


def test_local_runner_generates_then_no_change(project: Path, tmp_path: Path) -> None:
    before = revision_files(project)
    dry = guard(
        project,
        "new",
        "add language",
        "--runner",
        "local",
        "--dry-run",
        path=[only_git_bin(tmp_path)],
    )
    assert "Dry run: would write" in dry.stdout, dry.stdout + dry.stderr
    assert revision_files(project) == before
    result = guard(
        project,
        "new",
        "add language",
        "--runner",
        "local",
        path=[only_git_bin(tmp_path)],
        env={"DATABASE_URL": "postgresql://nobody:wrong@127.0.0.1:9/never_used"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    new = revision_files(project) - before
    assert len(new) == 1
    source = (project / VERSIONS / new.pop()).read_text()
    assert f"down_revision: Union[str, Sequence[str], None] = '{HEAD}'" in source
    assert "template database found in the cache" in output  # the dry run built it
    assert "cd backend && alembic -c alembic.ini upgrade head" in output
    # Model now matches the new head: autogenerate finds nothing and leaves nothing.
    again = guard(project, "new", "nothing", "--runner", "local", path=[only_git_bin(tmp_path)])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No change detected" in again.stdout
    assert len(revision_files(project) - before) == 1


def test_two_heads_refused_before_generating(project: Path, tmp_path: Path) -> None:
    versions = project / VERSIONS
    parent = revision_of(project, "0005_add_soft_delete_to_documents.py")
    (versions / "0007_branch.py").write_text(
        f'"""branch"""\nrevision = "b7"\ndown_revision = "{parent}"\n\n\ndef upgrade():\n    pass\n\n\n'
        "def downgrade():\n    pass\n"
    )
    before = revision_files(project)
    result = guard(
        project, "new", "add language", "--runner", "local", path=[only_git_bin(tmp_path)]
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 heads" in result.stderr and "b7" in result.stderr
    assert revision_files(project) == before


def test_syntax_error_in_a_model_names_the_file(project: Path, tmp_path: Path) -> None:
    model = project / "backend/app/models/user.py"
    model.write_text(model.read_text() + "\ndef broken(:\n")
    before = revision_files(project)
    result = guard(
        project, "new", "add language", "--runner", "local", path=[only_git_bin(tmp_path)]
    )
    assert result.returncode == 2
    assert "backend/app/models/user.py:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert revision_files(project) == before


def test_empty_description_is_a_usage_error(project: Path, tmp_path: Path) -> None:
    before = revision_files(project)
    result = guard(project, "new", "   ", path=[only_git_bin(tmp_path)])
    assert result.returncode == 2
    assert "description is empty" in result.stderr
    assert revision_files(project) == before


def test_local_runner_never_touches_the_database_env_py_names(
    project: Path, tmp_path: Path, postgres_url: str
) -> None:
    """An env.py that ignores DATABASE_URL and hard-codes the team's database: the local runner
    still upgrades and autogenerates only on its private server."""
    from migration_guard.runners.postgres.databases import query

    name = f"users_own_{uuid.uuid4().hex[:8]}"
    users_database = create_database(postgres_url, name)
    try:
        env_py = project / "backend" / "alembic" / "env.py"
        hard_coded = users_database.replace("postgresql://", "postgresql+psycopg2://", 1)
        env_py.write_text(
            env_py.read_text().replace(
                '    url = os.environ.get("DATABASE_URL")\n',
                f"    url = {hard_coded!r}  # ignores DATABASE_URL\n",
            )
        )
        assert hard_coded in env_py.read_text()
        before = revision_files(project)
        result = guard(
            project,
            "new",
            "add language",
            "--runner",
            "local",
            "--dry-run",
            path=[only_git_bin(tmp_path)],
        )
        output = result.stdout + result.stderr
        assert "add column `documents.language`" in output, output
        assert revision_files(project) == before
        tables = query(
            users_database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        assert tables == []
    finally:
        drop_database(postgres_url, name)
