"""Pins every SQLAlchemy engine a child process creates to the throwaway database.

The local runner tells env.py the private server's URL through ``database_url_env``. An env.py
that takes its URL from somewhere else (``sqlalchemy.url`` in alembic.ini, a settings module)
would otherwise run ``upgrade head`` on that database, which may be the user's. So in the
local runner's children every engine connects to the pinned URL, whatever URL it was given;
only the driver (psycopg2, psycopg, asyncpg) is taken from the requested URL.

``python -m migration_guard.runners.pinned ALEMBIC-ARGS…`` runs the ``alembic`` command line
pinned to ``$MIGRATION_GUARD_PINNED_URL``.

A raw driver call in env.py (``psycopg2.connect()``) bypasses SQLAlchemy; :func:`child_environment`
points libpq's defaults (``PGHOST``, ``PGPORT``, service and password files, …) at the pinned URL
too, so only an explicit host written into env.py itself can still leave.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PINNED_URL_ENV = "MIGRATION_GUARD_PINNED_URL"
PREPARED = "--prepared"

# A path that cannot exist (a folder under a device), for libpq's system configuration folder.
_NO_SUCH_FOLDER = os.path.join(os.devnull, "migration-guard")


def child_environment(pinned_url: str, **extra: str) -> dict[str, str]:
    """Our environment for a child that imports env.py: engines pinned to ``pinned_url`` and
    every libpq default (all ``PG*`` variables) replaced by ``pinned_url``'s host, port, user and
    database, with no service file, password file or system configuration to read."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    parts = urlsplit(pinned_url)
    query = parse_qs(parts.query)  # the throwaway server's socket: ?host=/folder&port=N
    env.update(
        PGHOST=query.get("host", [parts.hostname or "127.0.0.1"])[-1],
        PGPORT=query.get("port", [str(parts.port or 5432)])[-1],
        PGUSER=unquote(parts.username or "migration-guard"),
        PGDATABASE=unquote(parts.path.lstrip("/")) or "postgres",
        PGPASSFILE=os.devnull,
        PGSERVICEFILE=os.devnull,
        PGSYSCONFDIR=_NO_SUCH_FOLDER,
        PGCONNECT_TIMEOUT="10",
    )
    env[PINNED_URL_ENV] = pinned_url
    env.update(extra)
    return env


def pin_engines(url: str) -> None:
    """Make ``create_engine`` (and so ``engine_from_config`` and ``create_async_engine``)
    connect to ``url``."""
    import sqlalchemy
    import sqlalchemy.engine
    from sqlalchemy.engine import create as create_module
    from sqlalchemy.engine import make_url

    original = create_module.create_engine
    pinned = make_url(url)

    def create_engine(requested: Any, *args: Any, **kwargs: Any) -> Any:
        target = pinned
        try:
            requested_url = make_url(requested)
        except Exception:  # an odd URL object: connect to the pinned URL as it is
            requested_url = None
        if requested_url is not None and requested_url.get_backend_name() == "postgresql":
            target = pinned.set(drivername=requested_url.drivername)
        return original(target, *args, **kwargs)

    create_module.create_engine = create_engine  # type: ignore[assignment]
    sqlalchemy.engine.create_engine = create_engine  # type: ignore[assignment]
    sqlalchemy.create_engine = create_engine  # type: ignore[assignment]
    # create_async_engine calls the module-level name its module imported from
    # sqlalchemy.engine: imported from now on, it finds the pinned function there. Importing it
    # here instead would load the ORM (0.2 s) into every child, used or not.
    async_engine = sys.modules.get("sqlalchemy.ext.asyncio.engine")
    if async_engine is not None:
        setattr(async_engine, "_create_engine", create_engine)  # noqa: B010 - a private import


def pin_from_environment() -> None:
    """Pin to ``$MIGRATION_GUARD_PINNED_URL`` when it is set."""
    url = os.environ.get(PINNED_URL_ENV)
    if url:
        pin_engines(url)


def main(argv: list[str]) -> int:
    """``alembic ARGS…`` pinned; with ``--prepared`` alone, Alembic is imported first and the
    arguments (a JSON list) are read from stdin, so a parent can start this before it knows them."""
    if argv == [PREPARED]:
        import json

        from migration_guard.runners.alembic_import import import_alembic

        import_alembic(
            ["alembic.command", "alembic.config", "alembic.runtime.environment", "alembic.script"]
        )

        line = sys.stdin.readline()
        if not line.strip():
            return 0  # the parent needed nothing after all
        argv = [str(word) for word in json.loads(line)]
    pin_from_environment()
    from alembic.config import main as alembic_main

    alembic_main(argv=argv, prog="alembic")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
