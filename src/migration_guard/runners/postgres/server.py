"""A PostgreSQL server in a folder of its own: ``initdb``, start on a free port, always stop.

:func:`running_postgres` / :func:`throwaway_postgres` give a server in a fresh temporary
folder that is removed afterwards, also on Ctrl-C and SIGTERM. The local runner's cached
cluster (:mod:`migration_guard.runners.cluster`) starts its own folder with the same pieces.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.postgres.accounts import (
    as_account,
    as_whom,
    server_account,
    temp_parent,
)
from migration_guard.runners.postgres.binaries import find_binaries

SUPERUSER = "postgres"
"""The superuser created by ``initdb``; it connects without a password (trust auth)."""

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
PORT_ATTEMPTS = 5

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
_MAX_SOCKET_DIR = 80


class PortTaken(Exception):
    """The server could not bind its port: another process took it first."""


@dataclass
class RunningPostgres:
    """A started server; ``url`` names its ``postgres`` database."""

    url: str
    port: int
    directory: Path
    bin_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def stop(self) -> None:
        """Shut the server down (fast, then by force) and delete its directory."""
        try:
            terminate(self.process)
        finally:
            _remove_tree(self.directory)


@contextlib.contextmanager
def throwaway_postgres(bin_dir: Path | None = None) -> Iterator[str]:
    """Run a private PostgreSQL for the ``with`` block and yield its URL.

    The server, its data and its socket live in a fresh temporary directory and are
    removed on exit, on an exception, on Ctrl-C and on SIGTERM.
    """
    with running_postgres(bin_dir) as server:
        yield server.url


@contextlib.contextmanager
def running_postgres(bin_dir: Path | None = None) -> Iterator[RunningPostgres]:
    """Like :func:`throwaway_postgres` but yield the :class:`RunningPostgres` itself."""
    with sigterm_as_exit():
        server = start_postgres(bin_dir)
        try:
            yield server
        finally:
            server.stop()


def start_postgres(bin_dir: Path | None = None) -> RunningPostgres:
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
        for _attempt in range(PORT_ATTEMPTS):
            port = free_port()
            try:
                process = start_server(binaries, directory, port, account)
            except PortTaken:
                continue
            url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
            return RunningPostgres(url, port, directory, binaries, process)
        raise EnvironmentProblem(
            f"PostgreSQL could not bind a free port on 127.0.0.1 after {PORT_ATTEMPTS} tries"
        )
    except BaseException:
        _remove_tree(directory)
        raise


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
        raise EnvironmentProblem(f"initdb failed: {_last_line(result.stderr or result.stdout)}")


def start_server(
    binaries: Path,
    directory: Path,
    port: int,
    account: pwd.struct_passwd | None,
    *,
    detached: bool = False,
    settings: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """Start the server of ``directory/data`` on ``port`` and wait until it accepts connections;
    raise :class:`PortTaken` when another process has the port. ``settings`` (``name=value``)
    are added to the throwaway defaults."""
    data = directory / "data"
    log_path = directory / "server.log"
    command = [
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-k",
        # A Unix socket path longer than ~100 bytes is refused; then serve TCP only.
        str(directory) if len(str(directory)) <= _MAX_SOCKET_DIR else "",
    ]
    for setting in (*_SERVER_SETTINGS, *settings):
        command += ["-c", setting]
    with log_path.open("wb") as log:
        if account is not None:
            os.chown(log_path, account.pw_uid, account.pw_gid)
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


def _wait_until_ready(process: subprocess.Popen[bytes], data: Path, log_path: Path) -> None:
    """Poll ``postmaster.pid``, whose last line reads ``ready`` once connections are accepted."""
    deadline = time.monotonic() + START_TIMEOUT
    pid_file = data / "postmaster.pid"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(errors="replace")
            if "could not bind" in log or "Address already in use" in log:
                raise PortTaken
            raise EnvironmentProblem(f"PostgreSQL did not start: {_last_line(log)}")
        with contextlib.suppress(OSError):
            lines = pid_file.read_text().splitlines()
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
        process.wait(STOP_TIMEOUT)
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


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so ``finally`` blocks (our cleanup) run.

    Only in the main thread and only when nobody else has claimed SIGTERM.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return

    def _exit(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
