"""The hook's fast path: same answer as the full config, and no heavy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from migration_guard.alembic_ini import read_alembic_settings
from migration_guard.config import load_config
from migration_guard.hookfast import _watched_folders, quick_hook_exit
from tests.conftest import EXAMPLE


def test_watched_folders_match_the_full_config() -> None:
    config = load_config(EXAMPLE)
    settings = read_alembic_settings(config.alembic_ini_path)
    expected = [os.path.realpath(EXAMPLE / folder) for folder in config.models] + [
        os.path.realpath(location) for location in settings.version_locations
    ]
    assert _watched_folders(str(EXAMPLE)) == expected


def test_only_irrelevant_files_exit_zero_and_anything_else_falls_through() -> None:
    project = str(EXAMPLE)
    models = str(EXAMPLE / "backend/app/models/user.py")
    revision = str(EXAMPLE / "backend/alembic/versions/0001_create_users.py")
    assert quick_hook_exit(["--project", project, "hook", "README.md", "setup.cfg"]) == 0
    assert (
        quick_hook_exit(["--project", project, "hook", str(EXAMPLE / "backend/app/__init__.py")])
        == 0
    )
    assert quick_hook_exit(["--project", project, "hook", models]) is None
    assert quick_hook_exit([f"--project={project}", "hook", revision]) is None
    assert quick_hook_exit(["--project", project, "hook"]) is None  # asks git: full command
    assert quick_hook_exit(["--project", project, "lint", "x.py"]) is None
    assert quick_hook_exit(["--summary-file", "s.md", "hook", "x.py"]) is None


def test_unusual_config_falls_through(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-guard]\nmodels = [\n  "app/models",\n]\n'
    )
    assert quick_hook_exit(["--project", str(tmp_path), "hook", "x.py"]) is None


def test_fast_path_imports_no_argparse_and_no_sqlalchemy() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "migration_guard",
            "--project",
            str(EXAMPLE),
            "hook",
            "README.md",
            "docs/conf.py",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "migration_guard.hookfast" in imported
    for heavy in (
        "argparse",
        "sqlalchemy",
        "alembic",
        "git",
        "migration_guard.commands",
        "tomllib",
    ):
        assert heavy not in imported
