"""``script_location = pkg.sub:dir``: found on disk, never by importing the repository's package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.graph.helpers import revision_source
from tests.projects import ENV_PY, commit_all, git, init_repo

CONSOLE_SCRIPT = Path(sys.executable).with_name("migration-guard")
HOSTILE_INIT = (
    "import pathlib\n"
    "pathlib.Path(__file__).with_name('IMPORTED').write_text('the package was executed')\n"
    "raise SystemExit('repository code ran')\n"
)


def package_project(root: Path, *, src_layout: bool = False) -> Path:
    """An Alembic project whose scripts live inside a package that must never be imported."""
    top = root / "src" if src_layout else root
    package = top / "backend_pkg"
    migrations = package / "db" / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (package / "__init__.py").write_text(HOSTILE_INIT)
    (package / "db" / "__init__.py").write_text(HOSTILE_INIT)
    (migrations / "env.py").write_text(ENV_PY)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = backend_pkg.db:migrations\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n'
        '[tool.migration-guard]\nalembic_ini = "alembic.ini"\nbase = "main"\n'
    )
    return migrations


def markers(root: Path) -> list[Path]:
    return sorted(root.rglob("IMPORTED"))


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    return subprocess.run(
        [*command, "--no-color"], cwd=cwd, capture_output=True, text=True, env=environment
    )


@pytest.mark.parametrize("src_layout", [False, True], ids=["flat", "src-layout"])
@pytest.mark.parametrize(
    "launcher",
    [[str(CONSOLE_SCRIPT)], [sys.executable, "-m", "migration_guard"]],
    ids=["console-script", "python-m"],
)
def test_graph_commands_find_the_versions_without_running_the_package(
    tmp_path: Path, launcher: list[str], src_layout: bool
) -> None:
    versions = package_project(tmp_path, src_layout=src_layout) / "versions"
    (versions / "a1.py").write_text(revision_source("a1", None))
    init_repo(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "feature")
    (versions / "b2.py").write_text(revision_source("b2", "a1"))
    commit_all(tmp_path, "feature adds b2")
    git(tmp_path, "checkout", "-q", "main")
    (versions / "c3.py").write_text(revision_source("c3", "a1"))
    commit_all(tmp_path, "main gains c3")
    git(tmp_path, "checkout", "-q", "feature")

    heads = run([*launcher, "heads"], tmp_path)
    assert (heads.returncode, heads.stdout.splitlines()[0]) == (0, "heads: b2"), heads.stderr
    git(tmp_path, "merge", "-q", "--no-edit", "main")  # rebase needs the base head at hand
    rebase = run([*launcher, "rebase", "--dry-run"], tmp_path)
    assert rebase.returncode == 0, rebase.stderr
    assert "would point b2 at c3" in rebase.stdout
    assert markers(tmp_path) == []
    # check also lints the branch's new revisions, which runs env.py (and so the package) by
    # design; on the base branch itself there is nothing new, so nothing may be imported.
    git(tmp_path, "checkout", "-q", "main")
    check = run([*launcher, "--format", "json", "check"], tmp_path)
    assert check.returncode == 0, check.stderr
    assert '"heads": [\n    "c3"\n  ]' in check.stdout
    assert markers(tmp_path) == []


def test_an_unknown_package_is_one_config_error(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = no_such_pkg.db:migrations\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "alembic.ini"\n'
    )
    result = run([str(CONSOLE_SCRIPT), "heads"], tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "alembic.ini" in line and "no_such_pkg.db:migrations" in line
