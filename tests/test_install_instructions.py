"""Every install instruction in the README runs as written, offline, against this checkout.

The README's placeholders are the only thing replaced: `https://github.com/OWNER/migration-guard`
becomes a local clone of this repository and `SHA` its HEAD commit.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migration_guard import __version__
from tests.conftest import EXAMPLE, REPO_ROOT

pytestmark = pytest.mark.slow

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
URL = "https://github.com/OWNER/migration-guard"
BIN = Path(sys.executable).parent
VERSIONS = "backend/alembic/versions"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def pip_instructions() -> list[str]:
    """pip commands that install migration-guard (not the clone-and-develop ones at the top)."""
    lines = [line for block in blocks("sh") for line in block.splitlines()]
    commands = [line for line in lines if "pip install" in line and "-e '.[dev]'" not in line]
    for block in blocks("yaml"):
        for value in re.findall(r'package:\s*"([^"]+)"', block):
            commands.append(f'pip install "{value}"')
    return commands


def pre_commit_configs() -> list[str]:
    return [block for block in blocks("yaml") if f"repo: {URL}" in block]


def test_no_instruction_names_a_package_index_or_a_missing_tag() -> None:
    installs = re.findall(r"pip install\s+['\"]?migration-guard[^`\n]*", README)
    assert installs
    assert [line for line in installs if f"@ git+{URL}@SHA" not in line] == []
    assert not re.search(r"rev:\s*v\d", README)
    assert "==0.1.0" not in README
    assert len(pip_instructions()) >= 2
    assert all(f"@ git+{URL}@SHA" in command for command in pip_instructions())
    assert all("rev: SHA" in config for config in pre_commit_configs())


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A clone of this repository at its HEAD, standing in for github.com/OWNER/migration-guard."""
    target = tmp_path_factory.mktemp("origin") / "migration-guard"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(target)], check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=target, capture_output=True, text=True, check=True
    ).stdout.strip()
    return target, head


def localise(text: str, clone: tuple[Path, str]) -> str:
    path, head = clone
    # file://localhost/…: pip before 23.3 refuses a URL requirement with an empty host
    local = f"file://localhost{path.as_posix()}"
    return text.replace(URL, local).replace("@SHA", f"@{head}").replace("SHA", head)


@pytest.mark.parametrize("command", pip_instructions())
def test_pip_instruction_installs_this_checkout(
    command: str, clone: tuple[Path, str], tmp_path: Path
) -> None:
    words = shlex.split(localise(command, clone))
    assert words[:2] == ["pip", "install"], command
    target = tmp_path / "site"
    # --target, --no-deps, --no-build-isolation: offline, with this interpreter's setuptools.
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"),
            *("--target", str(target), *words[2:]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--version"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
    )
    assert installed.stdout.strip() == f"migration-guard {__version__}", installed.stderr
    assert (target / "bin" / "migration-guard").exists()
    assert list(target.glob("migration_guard-*.dist-info/licenses/LICENSE"))


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def example_repo(tmp_path: Path, config: str) -> Path:
    """The example backend, its models matching head, with ``config`` as .pre-commit-config."""
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    model = repo / "backend/app/models/document.py"
    model.write_text(
        model.read_text().replace(
            "    language: Mapped[str] = mapped_column(String(8), nullable=False)\n", ""
        )
    )
    (repo / ".pre-commit-config.yaml").write_text(config)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def pre_commit(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    return subprocess.run(
        [str(BIN / "pre-commit"), *args], cwd=repo, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "config", pre_commit_configs(), ids=lambda c: c.split("id: ")[-1].split()[0]
)
def test_pre_commit_snippet_runs_as_written(
    config: str, clone: tuple[Path, str], tmp_path: Path
) -> None:
    repo = example_repo(tmp_path, localise(config, clone))
    document = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert document["repos"][0]["rev"] == clone[1]
    stages = document.get("default_install_hook_types", ["pre-commit"])
    for stage in stages:
        result = pre_commit(repo, tmp_path, "run", "--all-files", "--hook-stage", stage)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "migration-guard" in result.stdout


FLAGGED_REVISION = '''"""add flag

Revision ID: f1a9000000aa
Revises: e2b86d14f07a
"""
import sqlalchemy as sa
from alembic import op

revision = "f1a9000000aa"
down_revision = "e2b86d14f07a"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("documents", sa.Column("flag", sa.Boolean(), nullable=False))


def downgrade():
    op.drop_column("documents", "flag")
'''


def findings_printed(repo: Path, tmp_path: Path) -> int:
    (repo / VERSIONS / "f1a9000000aa_add_flag.py").write_text(FLAGGED_REVISION)
    git(repo, "add", VERSIONS)
    result = pre_commit(repo, tmp_path, "run")
    assert result.returncode == 1, result.stdout + result.stderr
    return (result.stdout + result.stderr).count("not-null-without-default")


def test_the_recommended_hook_prints_a_finding_once(
    clone: tuple[Path, str], tmp_path: Path
) -> None:
    (recommended,) = [c for c in pre_commit_configs() if "default_install_hook_types" not in c]
    assert re.findall(r"- id: (\S+)", recommended) == ["gen-migration"]
    repo = example_repo(tmp_path, localise(recommended, clone))
    assert findings_printed(repo, tmp_path) == 1


def test_the_three_commit_hooks_together_print_a_finding_once(
    clone: tuple[Path, str], tmp_path: Path
) -> None:
    """gen-migration lints staged revisions too; next to it migration-lint (and migration-heads)
    say in one line that it was reported above instead of printing it again."""
    path, head = clone
    config = (
        f"repos:\n  - repo: {path.as_uri()}\n    rev: {head}\n    hooks:\n"
        "      - id: gen-migration\n      - id: migration-lint\n      - id: migration-heads\n"
    )
    repo = example_repo(tmp_path, config)
    assert findings_printed(repo, tmp_path) == 1
