"""Pins every connection a child process opens to the throwaway database.

The local runner tells env.py the private server's URL through ``database_url_env``. An env.py
that takes its URL, host or database from somewhere else (``sqlalchemy.url`` in alembic.ini, a
settings module, ``connect_args``, a raw ``psycopg2.connect(host=…)``) would otherwise run
``upgrade head`` on that database, which may be the user's. So in every child that imports
env.py, every connection ends at the pinned URL, whatever it was given:

* SQLAlchemy engines get the pinned URL (only the driver is taken from the requested URL) and
  lose the ``connect_args`` that name a server;
* the drivers themselves are pinned where every route ends (:mod:`.pin_drivers`): psycopg2's
  ``_connect`` and connection classes, psycopg 3's connection parameters and libpq wrapper,
  asyncpg's argument parsing. Host, port, database, user and password are the
  pinned ones; of the rest only harmless options (``application_name``, ``options``,
  timeouts, keepalives) are kept, so no service, ``hostaddr``, SSL or session-attribute
  setting can send the connection elsewhere or refuse the throwaway server;
* every ``PG*`` variable (libpq's and asyncpg's defaults: ``PGHOST``, ``PGSERVICE``,
  ``PGSSLMODE``, ``PGOPTIONS``, …) is removed and replaced by the pinned server's (for a
  ``psql`` the project's code might start), with no password, service or system file to read.

This is a guard against accidents, not a sandbox: code that opens its own socket is not
stopped. ``python -m migration_guard.runners.pinned ALEMBIC-ARGS…`` runs the ``alembic``
command line pinned to ``$MIGRATION_GUARD_PINNED_URL``.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

PINNED_URL_ENV = "MIGRATION_GUARD_PINNED_URL"

# A path that cannot exist (a folder under a device), for libpq's system configuration folder.
_NO_SUCH_FOLDER = os.path.join(os.devnull, "migration-guard")

# libpq settings a requested connection may keep: none of them picks a server or refuses one.
HARMLESS_PARAMETERS = frozenset(
    {
        "application_name",
        "fallback_application_name",
        "connect_timeout",
        "options",
        "client_encoding",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
    }
)
# connect_args keys that pick a server, database or credentials in some PostgreSQL driver.
_SERVER_ARGUMENTS = frozenset(
    {
        "host",
        "hostaddr",
        "port",
        "dbname",
        "database",
        "user",
        "username",
        "password",
        "passfile",
        "service",
        "servicefile",
        "dsn",
        "conninfo",
        "unix_sock",
    }
)
# What the pinned URL's own query may add (a compose service's URL may require SSL).
_TARGET_QUERY_PARAMETERS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl")


def libpq_target(url: str) -> dict[str, str]:
    """libpq's parameters (host, port, dbname, user, password, SSL settings) for the pinned
    ``url``, a SQLAlchemy or libpq URL; the host may be a Unix-socket folder, in the
    ``?host=`` query or percent-encoded. ValueError when it names no host: libpq's default
    would be the machine's own server, perhaps the user's."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    hostport = parts.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    target = {"host": query.get("host") or unquote(host), "port": query.get("port") or port}
    if not target["host"]:
        raise ValueError(f"the pinned URL names no host: {parts.scheme}://…")
    target["port"] = target["port"] or "5432"
    for key, value in (
        ("dbname", unquote(parts.path.lstrip("/"))),
        ("user", unquote(parts.username or "")),
        ("password", unquote(parts.password or "")),
    ):
        if value:
            target[key] = value
    target.update((key, query[key]) for key in _TARGET_QUERY_PARAMETERS if key in query)
    return target


def pinned_parameters(requested: Mapping[str, Any], target: Mapping[str, str]) -> dict[str, Any]:
    """A requested connection's libpq parameters, pinned: its harmless settings and the
    ``target``'s server, database and credentials, nothing else."""
    kept = {key: value for key, value in requested.items() if key in HARMLESS_PARAMETERS}
    return {**kept, **target}


def libpq_clean_environ(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without a single ``PG*`` variable, and with libpq's password file, service
    file and system configuration folder pointed at nothing: the user's libpq settings
    (``PGHOST``, ``PGSERVICE``, ``PGSSLMODE=require``, ``PGOPTIONS``,
    ``PGTARGETSESSIONATTRS``, ``~/.pgpass``, …) can neither redirect nor break a connection
    made with this environment."""
    clean = {key: value for key, value in env.items() if not key.startswith("PG")}
    clean.update(PGPASSFILE=os.devnull, PGSERVICEFILE=os.devnull, PGSYSCONFDIR=_NO_SUCH_FOLDER)
    return clean


def pinned_libpq_environ(env: Mapping[str, str], pinned_url: str) -> dict[str, str]:
    """:func:`libpq_clean_environ` with libpq's defaults naming ``pinned_url``'s server, so a
    ``psql`` the project's code starts lands there too."""
    target = libpq_target(pinned_url)
    clean = libpq_clean_environ(env)
    clean.update(
        PGHOST=target["host"],
        PGPORT=target["port"],
        PGUSER=target.get("user", "migration-guard"),
        PGDATABASE=target.get("dbname", "postgres"),
        PGCONNECT_TIMEOUT="10",
    )
    return clean


SHOWN_HOST = "throwaway.migration-guard.invalid"
"""The host env.py reads when the throwaway server listens on a Unix socket only (RFC 6761:
``.invalid`` never resolves)."""


def url_for_env_py(pinned_url: str) -> str:
    """``pinned_url`` as env.py is told it (``database_url_env``): a socket folder in the
    ``?host=`` query becomes :data:`SHOWN_HOST`, so settings classes that require a host name
    (pydantic's ``PostgresDsn``, as the most used FastAPI template validates its URL) accept it.
    Every pinned driver connects to the socket whatever host it is given; a driver we do not
    pin cannot resolve the name, so it reaches no server at all."""
    parts = urlsplit(pinned_url)
    query = parse_qs(parts.query)
    host = query.get("host", [""])[-1]
    if not host.startswith("/"):
        return pinned_url
    port = query.get("port", ["5432"])[-1]
    rest = {key: values[-1] for key, values in query.items() if key not in ("host", "port")}
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{SHOWN_HOST}:{port}" if credentials else f"{SHOWN_HOST}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(rest)))


def child_environment(pinned_url: str, **extra: str) -> dict[str, str]:
    """Our environment for a child that imports env.py: connections pinned to ``pinned_url``
    (:func:`pin`, run by the child) and libpq's defaults naming it
    (:func:`pinned_libpq_environ`)."""
    env = pinned_libpq_environ(os.environ, pinned_url)
    env[PINNED_URL_ENV] = pinned_url
    env.update(extra)
    return env


def pin(url: str) -> None:
    """Pin this process: its environment's ``PG*`` variables, SQLAlchemy's engines and the
    PostgreSQL drivers (loaded now or later) all lead to ``url``. Runs before the project's
    code is imported."""
    from migration_guard.runners.pin_drivers import pin_drivers

    libpq = pinned_libpq_environ(os.environ, url)
    for key in [key for key in os.environ if key.startswith("PG")]:
        del os.environ[key]  # unsetenv: libpq reads the C environment
    os.environ.update({key: value for key, value in libpq.items() if key.startswith("PG")})
    pin_engines(url)
    pin_drivers(libpq_target(url))


def pin_engines(url: str) -> None:
    """Make ``create_engine`` (and so ``engine_from_config``, ``create_pool_from_url`` and
    ``create_async_engine``) connect to ``url``, without the ``connect_args`` that name a
    server or credentials (a driver :mod:`~migration_guard.runners.pin_drivers` does not know
    would take them as given)."""
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
        connect_args = kwargs.get("connect_args")
        if isinstance(connect_args, Mapping):  # the drivers are pinned too: this is for others
            kwargs["connect_args"] = {
                key: value for key, value in connect_args.items() if key not in _SERVER_ARGUMENTS
            }
        engine = original(target, *args, **kwargs)
        _ENGINES.add(engine)
        return engine

    create_module.create_engine = create_engine  # type: ignore[assignment]
    sqlalchemy.engine.create_engine = create_engine  # type: ignore[assignment]
    sqlalchemy.create_engine = create_engine  # type: ignore[assignment]
    # create_async_engine calls the module-level name its module imported from
    # sqlalchemy.engine: imported from now on, it finds the pinned function there. Importing it
    # here instead would load the ORM (0.2 s) into every child, used or not.
    async_engine = sys.modules.get("sqlalchemy.ext.asyncio.engine")
    if async_engine is not None:
        setattr(async_engine, "_create_engine", create_engine)  # noqa: B010 - a private import


_ENGINES: weakref.WeakSet[Any] = weakref.WeakSet()
"""Every engine created in this process since :func:`pin_engines` (the project's included)."""


def drop_pooled_sessions() -> None:
    """Every engine created so far forgets the sessions its pool holds (they stay open,
    unused, until the process ends), so what runs next gets sessions opened from now on,
    with the database's defaults as they are now (``dispose(close=False)``: no session is
    closed from under a driver or an event loop)."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


def read_only_from_now() -> None:
    """Every session opened from now on in the database this child works in reads only (the
    database's default, as :func:`~migration_guard.runners.templates.make_read_only` sets on
    a template), and no session of the replay is reused: a job that replays the history into
    a new template and then reads it (drift's compare, ``new``'s autogenerate) sees and leaves
    it as the same job on the cached template would. An env.py that writes is refused there,
    and the parent runs the job on a copy."""
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    from migration_guard.runners.templates import read_only_statement

    drop_pooled_sessions()
    engine = sqlalchemy.create_engine(os.environ[PINNED_URL_ENV], poolclass=NullPool)
    try:
        with engine.connect() as connection:
            name = str(connection.exec_driver_sql("SELECT current_database()").scalar())
            connection.exec_driver_sql(read_only_statement(name))
            connection.commit()
    finally:
        engine.dispose()


def pin_from_environment() -> None:
    """:func:`pin` to ``$MIGRATION_GUARD_PINNED_URL`` when it is set."""
    url = os.environ.get(PINNED_URL_ENV)
    if url:
        pin(url)


def main(argv: list[str]) -> int:
    """``alembic ARGS…`` pinned; with ``--prepared`` alone, Alembic is imported first and the
    arguments (a JSON list) are read from stdin, so a parent can start this before it knows them."""
    from migration_guard.runners.process import PREPARED

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
    from pathlib import Path

    from alembic.config import CommandLine

    from migration_guard.runners.flask_app import enter_flask_app

    command_line = CommandLine(prog="alembic")
    run_command = command_line.run_cmd

    def in_the_app(config: Any, options: Any) -> None:
        # a Flask-Migrate env.py runs inside its app, as `flask db upgrade` runs it
        if config.config_file_name:
            enter_flask_app(config, Path(config.config_file_name))
        run_command(config, options)

    setattr(command_line, "run_cmd", in_the_app)  # noqa: B010
    command_line.main(argv=argv)
    _leave_now()
    return 0


def _leave_now() -> None:
    """End the process once its output is out, without tearing down SQLAlchemy's, Alembic's
    and the project's modules: a sixth of a second of CPU that the parent would wait for, on
    every template replay and downgrade render."""
    import logging

    logging.shutdown()  # env.py's fileConfig handlers: flushed
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
