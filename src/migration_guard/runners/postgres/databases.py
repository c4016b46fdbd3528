"""Databases on a running server: their URLs, create / clone / drop, and one-statement queries.

These are our own connections to our own server: the user's libpq settings (``PGSSLMODE``,
``PGOPTIONS``, ``PGSERVICE``, ``PGHOSTADDR``…, every ``PG*`` variable) must not reach them, or
``PGSSLMODE=require`` alone makes every command that needs the server fail. libpq reads them
while it connects, so they are hidden for that moment (:func:`without_libpq_environment`);
``psql`` gets an environment without them.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.postgres.binaries import find_client


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
    with session(url) as run:
        return run(statement, fetch)


Run = Callable[[str, bool], list[tuple[Any, ...]]]


@contextlib.contextmanager
def session(url: str) -> Iterator[Run]:
    """One connection for several statements: ``run(statement, fetch)`` as :func:`query`."""
    psycopg2 = _psycopg2()
    if psycopg2 is None:
        yield lambda statement, fetch: _query_with_psql(url, statement, fetch)
        return
    try:
        with without_libpq_environment():
            connection = psycopg2.connect(url)
    except psycopg2.OperationalError as error:
        raise EnvironmentProblem(f"cannot connect to {_safe(url)}: {_first_line(error)}") from None

    def run(statement: str, fetch: bool) -> list[tuple[Any, ...]]:
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return list(cursor.fetchall()) if fetch and cursor.description else []
        except psycopg2.Error as error:
            raise EnvironmentProblem(
                f"query failed on {_safe(url)}: {_first_line(error)}"
            ) from None

    try:
        connection.autocommit = True
        yield run
    finally:
        connection.close()


@contextlib.contextmanager
def without_libpq_environment() -> Iterator[None]:
    """Hide every ``PG*`` variable from libpq for the block (the parent runs no other thread
    that could read the environment meanwhile)."""
    hidden = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("PG")}
    try:
        yield
    finally:
        os.environ.update(hidden)


def libpq_free_environment() -> dict[str, str]:
    """Our environment without any ``PG*`` variable, for a libpq client we run."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _psycopg2() -> Any:
    """The psycopg2 module, or None; imported by name as it is optional and has no stubs."""
    try:
        return importlib.import_module("psycopg2")
    except ImportError:
        return None


def _query_with_psql(url: str, statement: str, fetch: bool) -> list[tuple[Any, ...]]:
    psql = shutil.which("psql") or find_client("psql")
    if psql is None:
        raise EnvironmentProblem("neither psycopg2 nor the psql client is installed")
    command = [psql, "--no-psqlrc", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    result = subprocess.run(
        [*command, "-d", url, "-c", statement],
        env=libpq_free_environment(),
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


def _first_line(value: object) -> str:
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
