"""The local runner's cached PostgreSQL cluster: one data folder under the user's cache.

Its folder persists (``$XDG_CACHE_HOME/migration-guard/postgres-<major>-<hash>``, one per server
installation and version, so switching servers never starts a cluster another version made) so
a second run skips ``initdb``; :func:`cluster` starts it for one ``with`` block, one user of the
cache at a time, stops a server a killed run left behind, and redoes a broken cluster once. A
cluster that is not as it was made (a job's ``ALTER SYSTEM``, a role, a table in ``template1``:
see :mod:`migration_guard.runners.cluster_state`) is discarded after that job, or before the
next one when the job was killed, so one project never sees what another left. As root the
folders are made as :mod:`migration_guard.runners.cache_folders` describes.
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
from migration_guard.interrupts import sigterm_interrupts
from migration_guard.runners import cache_folders as folders
from migration_guard.runners import cluster_state
from migration_guard.runners.postgres import databases as pg
from migration_guard.runners.postgres import extensions
from migration_guard.runners.postgres.accounts import as_account, server_account
from migration_guard.runners.postgres.binaries import Server, choose_server
from migration_guard.runners.postgres.server import (
    RunningPostgres,
    initdb,
    read_nofollow,
    server_env,
    start_in,
)
from migration_guard.runners.templates import drop_leftovers

FINGERPRINT = "cluster-fingerprint"
"""In the private cache: the cluster's fingerprint when it was made
(:mod:`migration_guard.runners.cluster_state`)."""

VERIFIED = "cluster-verified"
"""In the private cache while no job runs, when the last one ended with the fingerprint
unchanged: the next start need not check it again. Removed when a job starts, so a killed
job's cluster is checked by the next start."""


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
    with folders.locked(private / "postgres.lock"), sigterm_interrupts():
        with folders.locked(private / folders.FOLDERS_LOCK):
            base = folders.server_base(private, account is not None)
            binaries = chosen.bin_dir
            if account is not None:
                binaries = folders.reachable_binaries(binaries, base)
        home = base / chosen.key
        _remove_legacy(base / "postgres")
        _own_home(home, account)
        server, expected = _start_clean(chosen, binaries, home, account, private, say)
        try:
            drop_leftovers(server.url, say)
            yield server
        except EnvironmentProblem as error:
            name = extensions.unavailable_extension(str(error))
            if name is None:
                raise
            raise EnvironmentProblem(extensions.unavailable_message(name, chosen)) from None
        finally:
            _discard_if_changed(server, expected, account, private, say)


def _start_clean(
    chosen: Server,
    binaries: Path,
    home: Path,
    account: pwd.struct_passwd | None,
    private: Path,
    say: Callable[[str], None],
) -> tuple[CachedCluster, str]:
    """The cached server, started, and its fingerprint: the one taken when the cluster was
    made, or the cluster is made anew (what a job or anyone else left in it goes with it)."""
    remembered = private / FINGERPRINT
    verified = _forget(private / VERIFIED)
    for _attempt in range(2):
        server, fresh = _start_cached(chosen, binaries, home, account, say)
        stored = ""
        with contextlib.suppress(OSError):
            stored = folders.read_nofollow(remembered).strip()
        if verified and stored and not fresh:
            return server, stored  # checked when the last job ended
        try:
            current = cluster_state.fingerprint(server.url)
        except BaseException:
            server.shut_down()
            raise
        if fresh:
            folders.write_replacing(remembered, current + "\n")
            return server, current
        if stored == current:
            return server, current
        verified = False
        say("  the cached PostgreSQL cluster is not as it was made: making a fresh one")
        server.shut_down()
        _forget(remembered)
        _reset(home, account)
    raise EnvironmentProblem("the cached PostgreSQL cluster changed again as soon as it was made")


def _discard_if_changed(
    server: RunningPostgres,
    expected: str,
    account: pwd.struct_passwd | None,
    private: Path,
    say: Callable[[str], None],
) -> None:
    """Stop the server; discard the cluster (and its templates) when the job left anything in
    it. When the check itself fails, the next start checks again."""
    changed: bool | None = None
    try:
        changed = cluster_state.fingerprint(server.url) != expected
    except Exception:  # a dead server, a refused query: the next start checks again
        changed = None
    finally:
        server.shut_down()
    if changed is False:
        with contextlib.suppress(OSError):
            folders.write_replacing(private / VERIFIED, "")
    if changed:
        _forget(private / FINGERPRINT)
        _reset(server.directory, account)
        say(
            "  a job left changes in the shared PostgreSQL cluster (settings, roles, template1 or "
            "another database): discarded it, the next run makes a fresh one"
        )


def _forget(path: Path) -> bool:
    """Remove ``path`` (unlink removes a link, never its target); whether it was there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


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
) -> tuple[CachedCluster, bool]:
    """The server started, and whether its cluster was made just now."""
    for attempt in range(2):
        fresh = False
        try:
            if not (home / "data" / "PG_VERSION").is_file():
                say("  creating the cached PostgreSQL cluster (first run only)")
                _reset(home, account)
                initdb(binaries, home, account)
                fresh = True
            _stop_stale(binaries, home, account)
            return _start(chosen, binaries, home, account), fresh
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
    running = start_in(binaries, home, account, detached=True, settings=settings)
    return CachedCluster(
        running.url,
        running.directory,
        running.bin_dir,
        running.process,
        running.socket_dir,
        running.port,
        chosen,
        standins,
    )


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
