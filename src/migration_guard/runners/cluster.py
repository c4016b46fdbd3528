"""The local runner's cached PostgreSQL cluster: one data folder under the user's cache.

Its folder persists (``$XDG_CACHE_HOME/migration-guard/postgres``) so a second run skips
``initdb``; :func:`cluster` starts it for one ``with`` block, one user of the cache at a time,
stops a server a killed run left behind, and redoes a broken cluster once. As root the
folders are made as :mod:`migration_guard.runners.cache_folders` describes.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners import cache_folders as folders
from migration_guard.runners.postgres.accounts import as_account, server_account
from migration_guard.runners.postgres.binaries import find_binaries
from migration_guard.runners.postgres.server import (
    RunningPostgres,
    initdb,
    read_nofollow,
    server_env,
    sigterm_as_exit,
    start_in,
)
from migration_guard.runners.templates import drop_leftovers


@contextlib.contextmanager
def cluster(say: Callable[[str], None] = print) -> Iterator[RunningPostgres]:
    """The cached server, started for the ``with`` block; one user of the cache at a time."""
    account = server_account()
    private = folders.private_cache(account is not None)
    with folders.locked(private / "postgres.lock"), sigterm_as_exit():
        with folders.locked(private / folders.FOLDERS_LOCK):
            base = folders.server_base(private, account is not None)
            binaries = find_binaries()
            if account is not None:
                binaries = folders.reachable_binaries(binaries, base)
        home = base / "postgres"
        _own_home(home, account)
        server = _start_cached(binaries, home, account, say)
        try:
            drop_leftovers(server.url, say)
            yield server
        finally:
            server.shut_down()


def _start_cached(
    binaries: Path, home: Path, account: pwd.struct_passwd | None, say: Callable[[str], None]
) -> RunningPostgres:
    for attempt in range(2):
        try:
            if not (home / "data" / "PG_VERSION").is_file():
                say("  creating the cached PostgreSQL cluster (first run only)")
                _reset(home, account)
                initdb(binaries, home, account)
            _stop_stale(binaries, home, account)
            return _start(binaries, home, account)
        except EnvironmentProblem:
            if attempt:
                raise
            _reset(home, account)  # a broken cluster (killed mid-initdb, other version): redo it
    raise AssertionError("unreachable")


def _start(binaries: Path, home: Path, account: pwd.struct_passwd | None) -> RunningPostgres:
    return start_in(binaries, home, account, detached=True)


def _stop_stale(binaries: Path, home: Path, account: pwd.struct_passwd | None) -> None:
    """A server left running by a killed run still owns the data folder: stop it."""
    if not (home / "data" / "postmaster.pid").exists() or not (binaries / "pg_ctl").exists():
        return
    subprocess.run(
        [str(binaries / "pg_ctl"), "-D", str(home / "data"), "stop", "-m", "fast", "-w"],
        env=server_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
        **as_account(account),
    )
    pid_file = home / "data" / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int(read_nofollow(pid_file).split()[0])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:  # its server is gone: a stale "ready" line must not fool us
            pid_file.unlink()


def _reset(home: Path, account: pwd.struct_passwd | None) -> None:
    shutil.rmtree(home, ignore_errors=True)
    _own_home(home, account)


def _own_home(home: Path, account: pwd.struct_passwd | None) -> None:
    """The cluster's folder: the server's account's, mode 0700, never a symlink."""
    folders.owned_folder(home, 0o700, owner=None if account is None else account.pw_uid)
