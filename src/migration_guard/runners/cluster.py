"""The local runner's cached PostgreSQL cluster: one data folder under the user's cache.

Its folder persists (``$XDG_CACHE_HOME/migration-guard/postgres-<major>-<hash>``, one per server
installation and version, so switching servers never starts a cluster another version made) so
a second run skips ``initdb``; :func:`cluster` starts it for one ``with`` block, one user of the
cache at a time, stops a server a killed run left behind, and redoes a broken cluster once. As
root the folders are made as :mod:`migration_guard.runners.cache_folders` describes.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners import cache_folders as folders
from migration_guard.runners.postgres import databases as pg
from migration_guard.runners.postgres import extensions
from migration_guard.runners.postgres.accounts import as_account, server_account
from migration_guard.runners.postgres.binaries import Server, choose_server
from migration_guard.runners.postgres.server import (
    PORT_ATTEMPTS,
    SUPERUSER,
    PortTaken,
    RunningPostgres,
    free_port,
    initdb,
    server_env,
    sigterm_as_exit,
    start_server,
    terminate,
)
from migration_guard.runners.templates import drop_leftovers


@dataclass
class CachedCluster(RunningPostgres):
    """The running cached server and which installation it is (``server``)."""

    server: Server | None = None
    standins: tuple[str, ...] = ()
    """The stand-in extensions offered to it (see
    :mod:`~migration_guard.runners.postgres.extensions`)."""


@contextlib.contextmanager
def cluster(say: Callable[[str], None] = print, postgres: str = "auto") -> Iterator[CachedCluster]:
    """The cached server, started for the ``with`` block; one user of the cache at a time.

    ``postgres`` is the config's choice of server (:func:`choose_server`); the line naming the
    server and its version is said first. A ``CREATE EXTENSION`` the server cannot satisfy
    ends the block with :func:`extensions.unavailable_message`."""
    chosen = choose_server(postgres)
    say(f"  throwaway {chosen.describe()}")
    account = server_account()
    private = folders.private_cache(account is not None)
    with folders.locked(private / "postgres.lock"), sigterm_as_exit():
        with folders.locked(private / folders.FOLDERS_LOCK):
            base = folders.server_base(private, account is not None)
            binaries = chosen.bin_dir
            if account is not None:
                binaries = folders.reachable_binaries(binaries, base)
        home = base / chosen.key
        _remove_legacy(base / "postgres")
        _own_home(home, account)
        server = _start_cached(chosen, binaries, home, account, say)
        try:
            drop_leftovers(server.url, say)
            yield server
        except EnvironmentProblem as error:
            name = extensions.unavailable_extension(str(error))
            if name is None:
                raise
            raise EnvironmentProblem(extensions.unavailable_message(name, chosen)) from None
        finally:
            terminate(server.process)


def say_standins_used(server: CachedCluster, url: str, say: Callable[[str], None]) -> None:
    """Say so when the database at ``url`` holds a stand-in in place of a real extension."""
    if not server.standins or server.server is None:
        return
    rows = pg.query(url, extensions.standins_used_query())
    if rows:
        say(extensions.standin_line([str(row[0]) for row in rows], server.server))


def _start_cached(
    chosen: Server,
    binaries: Path,
    home: Path,
    account: pwd.struct_passwd | None,
    say: Callable[[str], None],
) -> CachedCluster:
    for attempt in range(2):
        try:
            if not (home / "data" / "PG_VERSION").is_file():
                say("  creating the cached PostgreSQL cluster (first run only)")
                _reset(home, account)
                initdb(binaries, home, account)
            _stop_stale(binaries, home, account)
            return _start(chosen, binaries, home, account)
        except EnvironmentProblem:
            if attempt:
                raise
            _reset(home, account)  # a broken cluster (killed mid-initdb, other version): redo it
    raise AssertionError("unreachable")


def _start(
    chosen: Server, binaries: Path, home: Path, account: pwd.struct_passwd | None
) -> CachedCluster:
    standins = extensions.missing_standins(chosen)
    settings = (extensions.offer_standins(home / "standins"),) if standins else ()
    for _attempt in range(PORT_ATTEMPTS):
        port = free_port()
        try:
            process = start_server(binaries, home, port, account, detached=True, settings=settings)
        except PortTaken:
            continue
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        return CachedCluster(url, port, home, binaries, process, chosen, standins)
    raise EnvironmentProblem("PostgreSQL could not bind a free port on 127.0.0.1")


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
        pid = int(pid_file.read_text().split()[0])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:  # its server is gone: a stale "ready" line must not fool us
            pid_file.unlink()


def _remove_legacy(home: Path) -> None:
    """The single cluster folder of versions before one per server: removed unless a server
    a killed run left behind still runs in it."""
    if home.is_dir() and not home.is_symlink() and not (home / "data" / "postmaster.pid").exists():
        shutil.rmtree(home, ignore_errors=True)


def _reset(home: Path, account: pwd.struct_passwd | None) -> None:
    shutil.rmtree(home, ignore_errors=True)
    _own_home(home, account)


def _own_home(home: Path, account: pwd.struct_passwd | None) -> None:
    """The cluster's folder: the server's account's, mode 0700, never a symlink."""
    folders.owned_folder(home, 0o700, owner=None if account is None else account.pw_uid)
