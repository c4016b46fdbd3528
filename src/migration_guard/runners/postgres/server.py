"""A PostgreSQL server in a folder of its own: ``initdb``, start, always stop.

:func:`running_postgres` / :func:`throwaway_postgres` give a server in a fresh temporary
folder that is removed afterwards, also on Ctrl-C and SIGTERM. The local runner's cached
cluster (:mod:`migration_guard.runners.cluster`) starts its own folder with the same pieces.

The server listens on no TCP port (``listen_addresses = ''``): only on a Unix socket in a folder
of the server's account with mode 0700, so no other local user can reach it (its superuser
connects without a password, and ``COPY … TO PROGRAM`` runs commands as the server's account).
A socket path is limited to 107 bytes; when the server's folder is too deep for that, the
socket gets a short folder of its own in /tmp (see :func:`socket_folder`). Files the server
writes in its folder (``server.log``) and reads back (``postmaster.pid``) are never opened
through a symlink: the folder belongs to the server's account, which could plant one.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import EnvironmentProblem
from migration_guard.interrupts import sigterm_interrupts
from migration_guard.runners.lifeline import dies_with_us
from migration_guard.runners.postgres.accounts import (
    as_account,
    as_whom,
    server_account,
    temp_parent,
)
from migration_guard.runners.postgres.binaries import find_binaries
from migration_guard.runners.process import last_line, wait_for

SUPERUSER = "postgres"
"""The superuser created by ``initdb``; it connects without a password (trust auth), through
the private socket only."""

SOCKET_PORT = 5432
"""The port number only names the socket file (``.s.PGSQL.5432``); no TCP port is opened."""

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

_SERVER_SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=50",
    "shared_buffers=32MB",
    "max_wal_size=256MB",
    "logging_collector=off",
    "log_min_messages=warning",
)
# The longest socket path is 107 bytes; the folder's path leaves room for "/.s.PGSQL.5432.lock".
_MAX_SOCKET_DIR = 107 - len(f"/.s.PGSQL.{SOCKET_PORT}.lock")
# A folder named in a URL as it is: no character that needs quoting (or trips configparser's %).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9/._-]*")
SOCKET_PREFIX = "mg-sock-"
"""A socket folder made in /tmp when the server's own folder is too deep for a socket."""


@dataclass
class RunningPostgres:
    """A started server; ``url`` names its ``postgres`` database (through the socket)."""

    url: str
    directory: Path
    bin_dir: Path
    process: subprocess.Popen[bytes]
    socket_dir: Path
    port: int = SOCKET_PORT

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def stop(self) -> None:
        """Shut the server down (fast, then by force) and delete its directory."""
        try:
            self.shut_down()
        finally:
            _remove_tree(self.directory)

    def shut_down(self) -> None:
        """Stop the server and remove its socket folder when it had one of its own."""
        try:
            terminate(self.process)
        finally:
            if self.socket_dir != self.directory:
                _remove_tree(self.socket_dir)


def server_url(socket_dir: Path, database: str = "postgres") -> str:
    """The URL of ``database`` through the socket in ``socket_dir`` (libpq, psycopg2 and
    SQLAlchemy all read ``host`` and ``port`` from the query)."""
    return f"postgresql://{SUPERUSER}@/{database}?host={socket_dir}&port={SOCKET_PORT}"


def socket_folder(directory: Path, account: pwd.struct_passwd | None) -> Path:
    """Where the server's socket goes: ``directory`` itself (the server's, mode 0700) when its
    path is short and plain enough, else a new folder in /tmp, the server's, mode 0700."""
    if len(str(directory)) <= _MAX_SOCKET_DIR and _PLAIN_PATH.fullmatch(str(directory)):
        return directory
    from migration_guard.runners.leftovers import made_folder

    folder = made_folder(SOCKET_PREFIX, Path("/tmp"))
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


@contextlib.contextmanager
def throwaway_postgres(bin_dir: Path | None = None) -> Iterator[str]:
    """Run a private PostgreSQL for the ``with`` block and yield its URL.

    The server, its data and its socket live in a fresh temporary directory and are
    removed on exit, on an exception, on Ctrl-C and on SIGTERM.
    """
    with running_postgres(bin_dir) as server:
        yield server.url


@contextlib.contextmanager
def running_postgres(
    bin_dir: Path | None = None, *, tcp_port: int | None = None
) -> Iterator[RunningPostgres]:
    """Like :func:`throwaway_postgres` but yield the :class:`RunningPostgres` itself.

    ``tcp_port``: also listen on 127.0.0.1 at that port, for a test that stands in for a
    database reached over TCP (the user's, a compose service's); never for a job's server."""
    with sigterm_interrupts():
        server = start_postgres(bin_dir, tcp_port=tcp_port)
        try:
            yield server
        finally:
            server.stop()


def start_postgres(bin_dir: Path | None = None, *, tcp_port: int | None = None) -> RunningPostgres:
    """Start a server; the caller must call ``stop()``. Raise EnvironmentProblem if impossible."""
    binaries = find_binaries(bin_dir)
    account = server_account()
    if account is not None:
        from migration_guard.runners.cache_folders import binaries_for_nobody

        binaries = binaries_for_nobody(binaries)
    directory = Path(tempfile.mkdtemp(prefix="migration-guard-pg-", dir=temp_parent(account)))
    try:
        if account is not None:
            os.chown(directory, account.pw_uid, account.pw_gid)
        initdb(binaries, directory, account)
        return start_in(binaries, directory, account, tcp_port=tcp_port)
    except BaseException:
        _remove_tree(directory)
        raise


def start_in(
    binaries: Path,
    directory: Path,
    account: pwd.struct_passwd | None,
    *,
    detached: bool = False,
    tcp_port: int | None = None,
    settings: tuple[str, ...] = (),
) -> RunningPostgres:
    """Start the cluster of ``directory/data`` on its private socket (``settings`` added)."""
    sockets = socket_folder(directory, account)
    try:
        process = start_server(
            binaries,
            directory,
            sockets,
            account,
            detached=detached,
            tcp_port=tcp_port,
            settings=settings,
        )
    except BaseException:
        if sockets != directory:
            _remove_tree(sockets)
        raise
    if tcp_port is not None:
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{tcp_port}/postgres"
        return RunningPostgres(url, directory, binaries, process, sockets, tcp_port)
    return RunningPostgres(server_url(sockets), directory, binaries, process, sockets)


def initdb(binaries: Path, directory: Path, account: pwd.struct_passwd | None) -> None:
    """Create the cluster's data folder ``directory/data`` (trust auth, UTF8, no locale)."""
    command = [
        str(binaries / "initdb"),
        "-D",
        str(directory / "data"),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--no-locale",
        "--encoding=UTF8",
        "--no-sync",
        "--no-instructions",
    ]
    try:
        result = subprocess.run(
            command,
            cwd=directory,
            env=server_env(directory),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            **as_account(account),
        )
    except OSError as error:
        raise EnvironmentProblem(f"cannot run {command[0]}{as_whom(account)}: {error}") from None
    if result.returncode != 0:
        raise EnvironmentProblem(f"initdb failed: {last_line(result.stderr or result.stdout)}")


def start_server(
    binaries: Path,
    directory: Path,
    socket_dir: Path,
    account: pwd.struct_passwd | None,
    *,
    detached: bool = False,
    tcp_port: int | None = None,
    settings: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """Start the server of ``directory/data``, listening on its socket in ``socket_dir`` only,
    and wait until it accepts connections. ``settings`` (``name=value``) are added to the
    throwaway defaults."""
    data = directory / "data"
    log_path = directory / "server.log"
    command = [
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-p",
        str(SOCKET_PORT if tcp_port is None else tcp_port),
        "-c",
        "listen_addresses=" + ("" if tcp_port is None else "127.0.0.1"),
        "-k",
        str(socket_dir),
        "-c",
        "unix_socket_permissions=0700",
    ]
    for setting in (*_SERVER_SETTINGS, *settings):
        command += ["-c", setting]
    with _new_log(log_path, account) as log:
        try:
            process = subprocess.Popen(
                command,
                cwd=directory,
                env=server_env(directory),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # detached (the cached cluster): out of our process group, so a terminal's
                # Ctrl-C does not shut it down before we have dropped this run's databases
                start_new_session=detached,
                **as_account(account),
                **dies_with_us(signal.SIGINT),  # a fast shutdown when we are killed
            )
        except OSError as error:
            raise EnvironmentProblem(
                f"cannot run {command[0]}{as_whom(account)}: {error}"
            ) from None
    try:
        _wait_until_ready(process, data, log_path)
    except BaseException:
        terminate(process)
        raise
    return process


@contextlib.contextmanager
def _new_log(path: Path, account: pwd.struct_passwd | None) -> Iterator[int]:
    """``server.log`` made anew: whatever was there (a log, or a link planted by the server's
    account) is unlinked, never written through; then the server's account's."""
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        descriptor = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
    except OSError as error:
        raise EnvironmentProblem(f"cannot create the server log {path}: {error}") from None
    try:
        if account is not None:
            os.fchown(descriptor, account.pw_uid, account.pw_gid)
        yield descriptor
    finally:
        os.close(descriptor)


def read_nofollow(path: Path, limit: int = 1 << 20) -> str:
    """The text of the regular file ``path``, never through a symlink (OSError otherwise)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"{path} is not a regular file")
        return os.read(descriptor, limit).decode(errors="replace")
    finally:
        os.close(descriptor)


def _wait_until_ready(process: subprocess.Popen[bytes], data: Path, log_path: Path) -> None:
    """Poll ``postmaster.pid``, whose last line reads ``ready`` once connections are accepted."""
    deadline = time.monotonic() + START_TIMEOUT
    pid_file = data / "postmaster.pid"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            try:
                log = read_nofollow(log_path)
            except OSError as error:
                log = str(error)
            raise EnvironmentProblem(f"PostgreSQL did not start: {last_line(log)}")
        with contextlib.suppress(OSError):
            lines = read_nofollow(pid_file).splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
        time.sleep(0.02)
    raise EnvironmentProblem(f"PostgreSQL did not accept connections within {START_TIMEOUT:.0f}s")


def server_env(directory: Path) -> dict[str, str]:
    """The server's environment: ours without any ``PG*`` variable, C locale, its own HOME."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", HOME=str(directory))
    return env


def terminate(process: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT), then SIGKILL if the server has not gone in time."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        wait_for(process, STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait()


def _remove_tree(directory: Path) -> None:
    for _attempt in range(5):
        shutil.rmtree(directory, ignore_errors=True)
        if not directory.exists():
            return
        time.sleep(0.1)
