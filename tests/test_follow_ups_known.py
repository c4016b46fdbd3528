"""Step 5 prints a test command only when it is known: ``test_database_url`` in the config, or
derived from the compose files (``compose.override.yml`` included); never another project's."""

from __future__ import annotations

from pathlib import Path

from migration_guard.new.follow_ups import docker_follow_ups, local_follow_ups
from migration_guard.project.opened import open_project
from migration_guard.runners.docker import Compose
from tests.projects import make_project

LITERAL_DB = """services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: s3cret
      POSTGRES_DB: shop
  backend:
    build: .
"""


def project_with(tmp_path: Path, pyproject: str = "", files: dict[str, str] | None = None) -> Path:
    root = make_project(tmp_path / "app", pyproject=pyproject)
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    return root


def test_no_config_and_no_compose_file_prints_no_test_command(tmp_path: Path) -> None:
    project = open_project(project_with(tmp_path))
    commands = local_follow_ups(project)
    assert commands.test is None
    assert "catalyst" not in str(commands.to_json())
    assert commands.to_json()["test"] is None
    assert commands.apply == "alembic -c alembic.ini upgrade head"


def test_a_compose_password_from_the_environment_is_not_guessed(tmp_path: Path) -> None:
    compose = LITERAL_DB.replace("POSTGRES_PASSWORD: s3cret", "POSTGRES_PASSWORD: ${PGPASS:?x}")
    root = project_with(tmp_path, 'compose_file = "compose.yml"\n', {"compose.yml": compose})
    project = open_project(root)
    assert local_follow_ups(project).test is None
    compose_runner = Compose(("docker", "compose"), project.config.compose_path, "backend", "db")
    assert docker_follow_ups(project.config, compose_runner.shown).test is None


def test_derived_from_the_compose_files_with_the_override_port(tmp_path: Path) -> None:
    override = "services:\n  db:\n    ports:\n      - '5433:5432'\n"
    root = project_with(
        tmp_path,
        'compose_file = "compose.yml"\n',
        {"compose.yml": LITERAL_DB, "compose.override.yml": override},
    )
    commands = local_follow_ups(open_project(root))
    assert commands.test == (
        "TEST_DATABASE_URL=postgresql://shop:s3cret@localhost:5433/shop_test pytest tests/ -v"
    )
    assert "`db` service up" in commands.test_needs


def test_override_environment_completes_the_compose_service(tmp_path: Path) -> None:
    compose = LITERAL_DB.replace("      POSTGRES_PASSWORD: s3cret\n", "")
    override = "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=over\n"
    root = project_with(
        tmp_path,
        'compose_file = "compose.yml"\n',
        {"compose.yml": compose, "compose.override.yml": override},
    )
    project = open_project(root)
    compose_runner = Compose(("docker", "compose"), project.config.compose_path, "backend", "db")
    commands = docker_follow_ups(project.config, compose_runner.shown)
    assert commands.test is not None
    assert "TEST_DATABASE_URL=postgresql://shop:over@db:5432/shop_test backend pytest" in (
        commands.test
    )


def test_the_configured_url_is_printed_as_configured(tmp_path: Path) -> None:
    root = project_with(tmp_path, 'test_database_url = "postgresql://me@127.0.0.1:6543/mine"\n')
    assert local_follow_ups(open_project(root)).test == (
        "TEST_DATABASE_URL=postgresql://me@127.0.0.1:6543/mine pytest tests/ -v"
    )
