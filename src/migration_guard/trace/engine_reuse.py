"""One engine per distinct ``create_engine`` call in a child that runs env.py many times.

Trace runs the project's env.py three times per revision (upgrade, downgrade, upgrade again),
and env.py usually creates its engine each time it runs. A new engine costs a connection and
SQLAlchemy's dialect set-up (server version, encodings, ...): most of a step's time, more than
the migration itself on a small revision. So while trace runs, a call with the same arguments
as an earlier one gets the earlier engine back, and with it the connection its pool kept.

A reused connection must look like a new one to the next step: when it goes back to the pool
(after SQLAlchemy's rollback) it is reset as ``DISCARD ALL`` resets a session (settings, role,
temporary tables, cursors, listens, advisory locks, cached plans, sequences), except for the
prepared statements, which the driver keeps track of itself (psycopg 3 would otherwise run one
that no longer exists). Async engines are never
reused (their connections belong to the event loop that opened them), nor are calls whose
arguments cannot be compared (a fresh ``creator`` function each run simply gets a new engine).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_ASYNC_DRIVERS = ("asyncpg", "psycopg_async", "aiopg")
# DISCARD ALL without DEALLOCATE ALL (see the module's docstring)
_RESET = (
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; "
    "SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES"
)


def reuse_engines() -> None:
    """Make ``sqlalchemy.create_engine`` (as pinned) return one engine per distinct call."""
    import sqlalchemy
    import sqlalchemy.engine
    from sqlalchemy.engine import create as create_module

    original: Callable[..., Any] = create_module.create_engine
    # key -> (engine, the call's arguments): kept alive, so no later object takes the address
    # an argument's repr shows
    engines: dict[str, tuple[Any, tuple[Any, ...], dict[str, Any]]] = {}

    def create_engine(url: Any, *args: Any, **kwargs: Any) -> Any:
        key = _key(url, args, kwargs)
        if key is None:
            return original(url, *args, **kwargs)
        if key not in engines:
            engine = original(url, *args, **kwargs)
            sqlalchemy.event.listen(engine.pool, "checkin", _discard_session)
            engines[key] = (engine, args, kwargs)
        return engines[key][0]

    create_module.create_engine = create_engine
    sqlalchemy.engine.create_engine = create_engine
    sqlalchemy.create_engine = create_engine
    # create_async_engine marks its call ``_is_async``, which is never reused
    async_engine = sys.modules.get("sqlalchemy.ext.asyncio.engine")
    if async_engine is not None:
        setattr(async_engine, "_create_engine", create_engine)  # noqa: B010 - a private import


def _key(url: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """What makes two calls the same engine; None for a call never to reuse."""
    if kwargs.get("_is_async") or any(driver in str(url) for driver in _ASYNC_DRIVERS):
        return None
    try:
        return repr((str(url), args, sorted(kwargs.items())))
    except Exception:  # an argument whose repr fails: a new engine, as without reuse
        return None


def _discard_session(dbapi_connection: Any, record: Any) -> None:
    """Reset a connection going back to the pool to a new session's state (or drop it)."""
    if dbapi_connection is None:
        return
    try:
        was = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # DISCARD cannot run inside a transaction
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(_RESET)
        finally:
            cursor.close()
        dbapi_connection.autocommit = was
    except Exception:  # not reset: the next checkout opens a new connection instead
        record.invalidate()
