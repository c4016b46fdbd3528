"""`heads` prints the `alembic merge` command that works from the current folder: the printed
command is run as printed (real Alembic), from the project root and from the ini's folder."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import alembic
import pytest

from tests.projects import ENV_PY, add_revision

SCRIPT_MAKO = Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako"


def backend_project(root: Path, script_location: str = "%(here)s/migrations") -> Path:
    """alembic.ini in backend/, the config at the root naming it."""
    backend = root / "backend"
    (backend / "migrations" / "versions").mkdir(parents=True)
    (backend / "migrations" / "env.py").write_text(ENV_PY)
    shutil.copy(SCRIPT_MAKO, backend / "migrations" / "script.py.mako")
    (backend / "alembic.ini").write_text(f"[alembic]\nscript_location = {script_location}\n")
    (root / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "backend/alembic.ini"\nmodels = []\n'
    )
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return backend


def heads(where: Path) -> subprocess.CompletedProcess[str]:
    """`heads` as a user runs it: from ``where``, the config found by walking up."""
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", "heads"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )


def printed_merge_command(output: str) -> str:
    found = re.findall(r"`((?:cd [^`]* && )?alembic [^`]*merge [^`]*)`", output)
    assert len(found) == 1, output
    return found[0]


def run_as_printed(command: str, where: Path) -> None:
    """The printed line, with `alembic` being this environment's Alembic."""
    alembic_here = f"{shlex.quote(sys.executable)} -m alembic"
    if command.startswith("cd "):
        shell_line = command.replace("&& alembic ", f"&& {alembic_here} ", 1)
        argv = ["/bin/sh", "-c", shell_line]
    else:
        words = shlex.split(command)
        assert words[0] == "alembic"
        argv = [sys.executable, "-m", "alembic", *words[1:]]
    completed = subprocess.run(
        argv, cwd=where, capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert completed.returncode == 0, (command, completed.stderr)


def two_heads(backend: Path, first: str, second: str, parent: str | None) -> None:
    add_revision(backend, first, parent)
    add_revision(backend, second, parent)


@pytest.mark.parametrize("where", ["root", "backend"])
def test_the_printed_merge_command_works_from_where_the_user_is(tmp_path: Path, where: str) -> None:
    backend = backend_project(tmp_path)
    two_heads(backend, "a1", "b2", None)
    cwd = tmp_path if where == "root" else backend
    result = heads(cwd)
    assert result.returncode == 1, result.stderr
    command = printed_merge_command(result.stdout)
    expected_ini = "-c backend/alembic.ini " if where == "root" else ""
    assert command == f'alembic {expected_ini}merge -m "merge heads" a1 b2'
    run_as_printed(command, cwd)
    after = heads(cwd)
    assert after.returncode == 0, after.stdout
    assert "heads: " in after.stdout and len(after.stdout.split("heads: ")[1].split()) >= 1


def test_from_the_root_then_from_backend_one_head_each_time(tmp_path: Path) -> None:
    backend = backend_project(tmp_path)
    two_heads(backend, "a1", "b2", None)
    run_as_printed(printed_merge_command(heads(tmp_path).stdout), tmp_path)
    assert heads(tmp_path).returncode == 0
    merge = heads(tmp_path).stdout.split("heads: ")[1].split()[0]
    two_heads(backend, "c3", "d4", merge)
    run_as_printed(printed_merge_command(heads(backend).stdout), backend)
    assert heads(backend).returncode == 0
    assert heads(tmp_path).returncode == 0


def test_a_cwd_relative_script_location_is_run_from_its_folder(tmp_path: Path) -> None:
    """`script_location = migrations` is found by Alembic from the current folder only."""
    backend = backend_project(tmp_path, script_location="migrations")
    two_heads(backend, "a1", "b2", None)
    command = printed_merge_command(heads(tmp_path).stdout)
    assert command == 'cd backend && alembic merge -m "merge heads" a1 b2'
    run_as_printed(command, tmp_path)
    assert heads(tmp_path).returncode == 0


def test_the_hook_suggests_the_merge_in_the_work_tree_not_its_export(tmp_path: Path) -> None:
    backend = backend_project(tmp_path)
    two_heads(backend, "a1", "b2", None)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", "hook"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    command = printed_merge_command(result.stdout)
    assert command == 'alembic -c backend/alembic.ini merge -m "merge heads" a1 b2'
