"""Without ``--project`` the config is found by walking up from the current folder, as ruff does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from migration_guard.hook import quick_hook_exit
from tests.projects import add_revision, init_repo, make_project

DELETES_EVENTS = 'op.execute("DELETE FROM events")'


def _from(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command run in ``cwd`` with no --project, as a user types it."""
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", "--format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def _repository(root: Path) -> Path:
    """A repository whose config sits at its root and whose Alembic project is in backend/."""
    backend = root / "backend"
    backend.mkdir(parents=True)
    make_project(backend)
    (backend / "pyproject.toml").write_text('[project]\nname = "backend"\nversion = "0"\n')
    add_revision(backend, "a1", None, upgrade=DELETES_EVENTS)
    (root / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "backend/alembic.ini"\n'
        'protected_tables = ["events"]\n'
    )
    init_repo(root)
    return backend


def _rules(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr
    return [finding["rule"] for finding in json.loads(result.stdout)["findings"]]


def test_subfolder_honours_the_repository_config(tmp_path: Path) -> None:
    backend = _repository(tmp_path / "repo")
    deep = backend / "migrations" / "versions"
    for cwd in (tmp_path / "repo", backend, deep):
        result = _from(cwd, "lint")
        assert "audit-log-delete" in _rules(result), cwd
        assert result.returncode == 1
        finding = json.loads(result.stdout)["findings"][0]
        assert finding["path"] == "backend/migrations/versions/a1.py"


def test_the_nearest_table_wins_and_project_overrides(tmp_path: Path) -> None:
    backend = _repository(tmp_path / "repo")
    (backend / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "alembic.ini"\ndisable = ["audit-log-delete"]\n'
    )
    assert "audit-log-delete" not in _rules(_from(backend, "lint"))  # backend's own table
    # --project names the root: its table applies, whatever folder we are in
    assert "audit-log-delete" in _rules(_from(backend, "--project", "..", "lint"))


def test_nothing_above_the_repository_root_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.migration-guard]\nnot_a_key = 1\n")
    backend = _repository(tmp_path / "repo")
    (tmp_path / "repo" / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    subprocess.run(["git", "commit", "-qam", "no table"], cwd=backend, check=True)
    result = _from(backend, "lint")
    assert "Traceback" not in result.stderr
    assert "unknown key" not in result.stderr  # the parent's bad key was never read
    # no table anywhere: the project is the repository root, with the contract's defaults
    paths = {finding["path"] for finding in json.loads(result.stdout)["findings"]}
    assert paths == {"backend/migrations/versions/a1.py"}


def test_outside_git_the_walk_goes_up_to_the_table(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    make_project(backend)
    (backend / "pyproject.toml").unlink()
    add_revision(backend, "a1", None, upgrade=DELETES_EVENTS)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "backend/alembic.ini"\n'
        'protected_tables = ["events"]\n'
    )
    assert "audit-log-delete" in _rules(_from(backend / "migrations", "lint"))


def test_the_hook_fast_path_walks_up_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = _repository(tmp_path / "repo")
    with (tmp_path / "repo" / "pyproject.toml").open("a") as stream:
        stream.write('models = ["src/models"]\n')
    model = tmp_path / "repo" / "src" / "models" / "user.py"
    monkeypatch.chdir(backend)
    # the root table's models folder is watched from backend/ too: the full hook decides
    assert quick_hook_exit(["hook", str(model)]) is None
    assert quick_hook_exit(["hook", str(backend / "app.py")]) == 0


def test_the_hook_fast_path_defers_on_an_unusual_mention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool]\n"migration-guard" = {models = ["m"]}\n')
    monkeypatch.chdir(tmp_path)
    assert quick_hook_exit(["hook", str(tmp_path / "m" / "user.py")]) is None
