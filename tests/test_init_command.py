"""``init``: the layout detected from real files, the table written once, the user's files kept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migration_guard.adopt.snippets import (
    PRE_COMMIT_ENTRY,
    WORKFLOW,
    source_from_direct_url,
    workflow,
)
from tests.conftest import EXAMPLE, REPO_ROOT
from tests.projects import git
from tests.test_hook_precommit import LANGUAGE_LINE, environment
from tests.test_package_script_location import markers, package_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

BIN = Path(sys.executable).parent

ROOT_ENV_PY = """
import os
from alembic import context
from myapp.db.base import Base

target_metadata = Base.metadata
URL = os.environ["APP_DB_URL"]
"""
ROOT_COMPOSE = """\
services:
  database:
    image: postgis/postgis:16-3.4
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: secret
      POSTGRES_DB: shop
  api:
    build: .
    depends_on: [database]
"""


def init(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--project", str(project), "init", *args],
        cwd=project,
        capture_output=True,
        text=True,
    )


def table(project: Path) -> dict[str, object]:
    document = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    found: dict[str, object] = document["tool"]["migration-guard"]
    return found


def root_project(root: Path) -> Path:
    """alembic.ini at the root; Base re-exported by myapp.db.base (the FastAPI template's way),
    defined in myapp.db.base_class, the mapped classes in myapp/models."""
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ROOT_ENV_PY)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    for folder in ("myapp", "myapp/db", "myapp/models"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").write_text("")
    (root / "myapp/db/base_class.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    )
    (root / "myapp/db/base.py").write_text(
        "from myapp.db.base_class import Base  # noqa\nfrom myapp.models.user import User  # noqa\n"
    )
    (root / "myapp/models/user.py").write_text(
        "from myapp.db.base_class import Base\n\n\nclass User(Base):\n    __tablename__ = 'user'\n"
    )
    (root / "docker-compose.yml").write_text(ROOT_COMPOSE)
    git(root, "init", "-q")
    return root


def test_root_layout_writes_exactly_the_keys_that_differ(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    result = init(project)
    assert result.returncode == 0, result.stderr
    assert table(project) == {
        "alembic_ini": "alembic.ini",
        "models": ["myapp/models"],
        "compose_service": "api",
        "db_service": "database",
        "database_url_env": "APP_DB_URL",
    }
    text = (project / "pyproject.toml").read_text()
    assert "# target_metadata = Base.metadata, Base defined in myapp/db/base_class.py" in text
    assert "# the service that builds ." in text
    assert "- id: gen-migration" in result.stdout  # the entry to add is printed, not written
    assert not (project / ".pre-commit-config.yaml").exists()
    assert not (project / ".github").exists()


def test_backend_layout_of_the_example_needs_no_key(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "pyproject.toml").unlink()
    git(project, "init", "-q")
    result = init(project, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["settings"] == {}
    assert document["layout"]["models"] == ["backend/app/models"]
    assert document["layout"]["version_locations"] == ["backend/alembic/versions"]
    assert (document["layout"]["compose_service"], document["layout"]["db_service"]) == (
        "backend",
        "db",
    )
    assert table(project) == {}  # the table exists, so the config is found from subfolders


def test_package_script_location_is_read_without_importing_the_package(tmp_path: Path) -> None:
    package_project(tmp_path)
    models = tmp_path / "backend_pkg" / "models"
    models.mkdir()
    (models / "__init__.py").write_text(
        "raise SystemExit('imported')\nfrom backend_pkg.models.base import Base\n"
    )
    (models / "base.py").write_text(
        "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
    )
    (models / "order.py").write_text("from .base import Base\n\nclass Order(Base):\n    pass\n")
    env_py = tmp_path / "backend_pkg/db/migrations/env.py"
    env_py.write_text(
        "from backend_pkg.models import Base\n"
        + env_py.read_text().replace("target_metadata=None", "target_metadata=Base.metadata")
    )
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    git(tmp_path, "init", "-q")
    result = init(tmp_path)
    assert result.returncode == 0, result.stderr
    assert table(tmp_path) == {"alembic_ini": "alembic.ini", "models": ["backend_pkg/models"]}
    assert "backend_pkg/db/migrations/versions" in result.stdout
    assert markers(tmp_path) == []


def test_a_second_run_changes_nothing_and_says_so(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    assert init(project, "--write").returncode == 0
    written = {
        name: (project / name).read_bytes()
        for name in (
            "pyproject.toml",
            ".pre-commit-config.yaml",
            ".github/workflows/migration-guard.yml",
        )
    }
    again = init(project, "--write")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "nothing to change"
    assert {name: (project / name).read_bytes() for name in written} == written


def test_existing_pyproject_bytes_are_kept(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    before = b'# ours\r\n[project]\r\nname = "shop"  # keep\r\n\r\n[tool.ruff]\r\nline-length = 99'
    (project / "pyproject.toml").write_bytes(before)
    assert init(project).returncode == 0
    after = (project / "pyproject.toml").read_bytes()
    assert after.startswith(before + b"\r\n\r\n[tool.migration-guard]\r\n")
    assert table(project)["alembic_ini"] == "alembic.ini"


def test_a_different_table_is_refused_then_replaced_with_force(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    head = '[project]\nname = "shop"\n\n[tool.migration-guard]\nmodels = ["elsewhere"]\n'
    tail = '\n[tool.migration-guard.severity]\nset-not-null = "error"\n\n[tool.ruff]\nline-length = 99\n'
    (project / "pyproject.toml").write_text(head + tail)
    refused = init(project)
    assert refused.returncode == 2
    assert len(refused.stderr.splitlines()) == 1
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert (project / "pyproject.toml").read_text() == head + tail

    forced = init(project, "--force")
    assert forced.returncode == 0, forced.stderr
    text = (project / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "shop"\n\n[tool.migration-guard]\n')
    assert text.endswith("\n[tool.ruff]\nline-length = 99\n")
    assert "elsewhere" not in text and "severity" not in text
    assert table(project)["models"] == ["myapp/models"]
    assert init(project).stdout.splitlines()[-1] == "nothing to change"


USER_PRE_COMMIT = """\
# the team's hooks; keep this comment
repos:
- repo: https://github.com/astral-sh/ruff-pre-commit
  rev: v0.6.9  # pinned on purpose
  hooks:
  - id: ruff
# a trailing comment about ci
ci:
  autofix_prs: false
"""


def test_write_merges_into_an_existing_pre_commit_config(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    config = project / ".pre-commit-config.yaml"
    config.write_text(USER_PRE_COMMIT)
    result = init(project, "--write")
    assert result.returncode == 0, result.stderr
    text = config.read_text()
    # the entry at the user's indentation (none), between their last item and their comment
    entry = "".join(line[2:] + "\n" for line in PRE_COMMIT_ENTRY.splitlines())
    assert text.replace(entry, "", 1) == USER_PRE_COMMIT
    assert text.index("id: gen-migration") < text.index("# a trailing comment about ci")
    validated = subprocess.run(
        [str(BIN / "pre-commit"), "validate-config", str(config)], capture_output=True, text=True
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert init(project, "--write").stdout.splitlines()[-1] == "nothing to change"
    assert config.read_text() == text


def test_a_different_workflow_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    workflow = project / ".github/workflows/migration-guard.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: the team's own\n")
    refused = init(project, "--write")
    assert refused.returncode == 2
    assert "--force" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert not (project / "pyproject.toml").exists()
    assert not (project / ".pre-commit-config.yaml").exists()
    assert init(project, "--write", "--force").returncode == 0
    assert workflow.read_text().endswith(WORKFLOW)


def test_a_project_below_the_repository_root_is_named_in_the_hook_and_the_workflow(
    tmp_path: Path,
) -> None:
    git(tmp_path, "init", "-q")
    project = tmp_path / "services" / "shop"
    project.mkdir(parents=True)
    shutil.rmtree(root_project(project) / ".git")
    result = init(project, "--write")
    assert result.returncode == 0, result.stderr
    assert (project / "pyproject.toml").is_file()
    assert (
        'args: [--project, "services/shop"]' in (tmp_path / ".pre-commit-config.yaml").read_text()
    )
    assert (
        'project: "services/shop"'
        in (tmp_path / ".github/workflows/migration-guard.yml").read_text()
    )


def break_env_py(project: Path) -> None:
    (project / "migrations/env.py").write_text("target_metadata = (\n")


def break_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text("[project\n")


def no_alembic_ini(project: Path) -> None:
    (project / "alembic.ini").unlink()


def not_a_repository(project: Path) -> None:
    shutil.rmtree(project / ".git")


@pytest.mark.parametrize(
    ("spoil", "args", "says"),
    [
        (no_alembic_ini, (), "no alembic.ini"),
        (break_env_py, (), "env.py:1: cannot parse"),
        (break_pyproject, (), "pyproject.toml: not valid TOML"),
        (not_a_repository, ("--write",), "not inside a git repository"),
        (
            lambda project: None,
            ("--format", "sarif"),
            "init has no sarif output (it prints text or json)",
        ),
    ],
    ids=["no-alembic-ini", "env-py-syntax", "pyproject-toml", "write-outside-git", "sarif"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, spoil, args, says) -> None:  # type: ignore[no-untyped-def]
    project = root_project(tmp_path / "p")
    spoil(project)
    result = init(project, *args)
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_printed_texts_are_the_readme_ones() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "repos:\n" + PRE_COMMIT_ENTRY in readme
    assert WORKFLOW in readme


def test_the_install_source_is_read_from_pips_record_of_a_git_install() -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    recorded = {
        "url": "https://github.com/acme/migration-guard.git",
        "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": commit},
    }
    source = source_from_direct_url(recorded)
    assert (source.url, source.owner_and_name, source.commit) == (
        "https://github.com/acme/migration-guard",
        "acme/migration-guard",
        commit,
    )
    editable = {"url": "file:///src/migration-guard", "dir_info": {"editable": True}}
    assert source_from_direct_url(editable).placeholder


def renamed_example(tmp_path: Path) -> Path:
    """The example backend moved to ``api/``, its compose services renamed: no default fits."""
    repo = tmp_path / "shop"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "pyproject.toml").unlink()
    (repo / "backend").rename(repo / "api")
    compose = repo / "docker-compose.yml"
    compose.write_text(
        compose.read_text()
        .replace("  db:\n", "  postgres:\n")
        .replace("  backend:\n", "  api:\n")
        .replace("./backend", "./api")
        .replace("      db:\n", "      postgres:\n")
    )
    model = repo / "api/app/models/document.py"
    model.write_text(model.read_text().replace(LANGUAGE_LINE, ""))  # models match head
    git(repo, "init", "-q")
    return repo


@pytest.mark.slow
def test_init_then_the_checks_and_the_hook_use_what_it_found(tmp_path: Path) -> None:
    repo = renamed_example(tmp_path)
    done = init(repo, "--write")
    assert done.returncode == 0, done.stderr
    assert table(repo) == {
        "alembic_ini": "api/alembic.ini",
        "models": ["api/app/models"],
        "compose_service": "api",
        "db_service": "postgres",
    }
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "guarded by migration-guard")

    heads = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--format", "json", "heads"],
        cwd=repo / "api",  # the config is found from a subfolder
        capture_output=True,
        text=True,
    )
    assert heads.returncode == 0, heads.stderr
    assert json.loads(heads.stdout) == {"heads": ["e2b86d14f07a"], "problems": []}
    lint = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--format", "json", "lint", "--runner", "local"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert lint.returncode in (0, 1), lint.stderr
    assert len(json.loads(lint.stdout)["revisions"]) == 6

    installed = subprocess.run(
        [sys.executable, "-m", "migration_guard", "install-hook"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    model = repo / "api/app/models/document.py"
    model.write_text(
        model.read_text().replace("    updated_at:", LANGUAGE_LINE + "    updated_at:", 1)
    )
    git(repo, "add", "api/app/models/document.py")
    env = environment(tmp_path)
    env["PATH"] = "/usr/bin:/bin"  # no docker here: the hook falls back to the local runner
    committed = subprocess.run(
        ["git", "commit", "-m", "add language"], cwd=repo, env=env, capture_output=True, text=True
    )
    output = committed.stdout + committed.stderr
    assert committed.returncode != 0, output
    assert "not-null-without-default" in output
    generated = sorted((repo / "api/alembic/versions").glob("*.py"))
    assert len(generated) == 7, output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_the_workflow_pinned_to_a_commit_passes_actionlint(tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    source = source_from_direct_url(
        {
            "url": "https://github.com/acme/migration-guard",
            "vcs_info": {"vcs": "git", "commit_id": commit},
        }
    )
    path = tmp_path / ".github/workflows/migration-guard.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow(source, "services/shop"))
    git(tmp_path, "init", "-q")
    text = path.read_text()
    assert f"uses: acme/migration-guard/.github/workflows/migration-check.yml@{commit}" in text
    assert (
        f'package: "migration-guard @ git+https://github.com/acme/migration-guard@{commit}"' in text
    )
    linted = subprocess.run(
        [str(BIN / "actionlint"), str(path)], cwd=tmp_path, capture_output=True, text=True
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_compose_file_above_the_project_is_found(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  pg:\n    image: docker.io/library/postgres:17\n"
        "  web:\n    volumes: ['./backend:/srv']\n"
    )
    shutil.copytree(
        EXAMPLE / "backend", tmp_path / "backend", ignore=shutil.ignore_patterns("__pycache__")
    )
    result = init(tmp_path / "backend")
    assert result.returncode == 0, result.stderr
    assert table(tmp_path / "backend") == {
        "alembic_ini": "alembic.ini",
        "models": ["app/models"],
        "compose_file": "../compose.yaml",
        "compose_service": "web",
        "db_service": "pg",
    }


def test_a_base_from_outside_the_repository_is_found_by_its_subclasses(tmp_path: Path) -> None:
    (tmp_path / "migrations/versions").mkdir(parents=True)
    (tmp_path / "migrations/env.py").write_text(
        "from sqlmodel import SQLModel\nfrom app import tables  # noqa\n"
        "target_metadata = SQLModel.metadata\n"
    )
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (tmp_path / "app/tables").mkdir(parents=True)
    (tmp_path / "app/tables/hero.py").write_text(
        "from sqlmodel import SQLModel\n\nclass Hero(SQLModel, table=True):\n    id: int\n"
    )
    (tmp_path / "app/main.py").write_text("print('not a model')\n")
    git(tmp_path, "init", "-q")
    result = init(tmp_path)
    assert result.returncode == 0, result.stderr
    assert table(tmp_path) == {"alembic_ini": "alembic.ini", "models": ["app/tables"]}


def test_help_describes_the_command_with_an_example(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "migration_guard", "init", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert "writes [tool.migration-guard] into pyproject.toml" in " ".join(result.stdout.split())
    assert "example:\n  migration-guard init " in result.stdout
    assert "--write" in result.stdout and "--force" in result.stdout


def test_force_replaces_a_quoted_table_and_its_scattered_sub_tables(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    before = (
        '[tool."migration-guard"]\nmodels = ["old"]\n\n[tool.migration-guardian]\nkeep = 1\n\n'
        "[ tool . 'migration-guard' . severity ]\nset-not-null = \"error\"\n"
    )
    (project / "pyproject.toml").write_text(before)
    assert init(project).returncode == 2
    forced = init(project, "--force")
    assert forced.returncode == 0, forced.stderr
    text = (project / "pyproject.toml").read_text()
    assert text.startswith("[tool.migration-guard]\n")
    assert text.endswith("\n[tool.migration-guardian]\nkeep = 1\n\n")
    assert "severity" not in text and "old" not in text
    assert tomllib.loads(text)["tool"]["migration-guardian"] == {"keep": 1}
