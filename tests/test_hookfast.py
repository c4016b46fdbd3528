"""The hook's fast path: same answer as the full config, and no heavy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from migration_guard.config.alembic_ini import read_alembic_settings
from migration_guard.config.pyproject import load_config
from migration_guard.hook import _watched_folders, quick_hook_exit
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


def test_a_config_it_cannot_use_falls_through(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.migration-guard]\nmodels = "app/models"\n')
    assert quick_hook_exit(["--project", str(tmp_path), "hook", "x.py"]) is None
    (tmp_path / "pyproject.toml").write_text("[tool.migration-guard\n")
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
    assert "migration_guard.hook" in imported
    for heavy in (
        "argparse",
        "sqlalchemy",
        "alembic",
        "git",
        "migration_guard.commands",
    ):
        assert heavy not in imported


def _small_project(root: Path, models_line: str) -> None:
    (root / "pyproject.toml").write_text(
        f'[tool.migration-guard]\nalembic_ini = "alembic.ini"\n{models_line}\n'
    )
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    for folder in ("app/db", "migrations/versions", "scripts"):
        (root / folder).mkdir(parents=True)


def test_a_quoted_key_means_to_the_fast_path_what_it_means_to_the_command(tmp_path: Path) -> None:
    for spelling in ('"models" = ["app/db"]', "'models' = ['app/db']", 'models = [ "app/db", ]'):
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        root.mkdir()
        _small_project(root, spelling)
        (root / "app/db/user.py").write_text("")
        assert load_config(root).models == ("app/db",)
        assert (
            quick_hook_exit(["--project", str(root), "hook", str(root / "app/db/user.py")]) is None
        )
        assert quick_hook_exit(["--project", str(root), "hook", str(root / "app/x.py")]) == 0


def test_a_revision_that_is_a_link_is_judged_where_it_is_not_where_it_points(
    tmp_path: Path,
) -> None:
    _small_project(tmp_path, 'models = ["app/db"]')
    (tmp_path / "scripts/0008.py").write_text("")
    link = tmp_path / "migrations/versions/0008.py"
    link.symlink_to("../../scripts/0008.py")
    assert quick_hook_exit(["--project", str(tmp_path), "hook", str(tmp_path / "x.py")]) == 0
    assert quick_hook_exit(["--project", str(tmp_path), "hook", str(link)]) is None


def test_alembic_ini_is_read_by_the_same_configparser_reading(tmp_path: Path) -> None:
    _small_project(tmp_path, 'models = ["app/db"]')
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location: %(here)s/migrations\n")
    outside = ["--project", str(tmp_path), "hook", str(tmp_path / "x.py")]
    revision = ["--project", str(tmp_path), "hook", str(tmp_path / "migrations/versions/a.py")]
    assert quick_hook_exit(outside) == 0
    assert quick_hook_exit(revision) is None
    # a duplicate key is the full command's exit 2, never the fast path's exit 0
    ini.write_text("[alembic]\nscript_location = elsewhere\nscript_location = migrations\n")
    assert quick_hook_exit(outside) is None
