"""Pins the PostgreSQL drivers themselves, where every route to a connection ends.

SQLAlchemy's URL is one way to name a server among many: ``connect_args``, a ``creator=``
callable, ``psycopg2.connect(host=…)``, a connection class built directly, a driver's pool. So
in a pinned child each driver is changed at the one place all of its routes pass through, and
there the requested parameters are replaced by the pinned ones (only the harmless settings of
:data:`~migration_guard.runners.pinned.HARMLESS_PARAMETERS` are kept):

* psycopg2: ``_connect`` (what ``connect()``, its pool and SQLAlchemy call) and the connection
  class's constructor. The C class cannot be changed, so a pinned subclass takes its name
  (``psycopg2.extensions.connection``) and the classes already derived from it
  (``psycopg2.extras.DictConnection``, …) are re-based onto it;
* psycopg 3: ``Connection``/``AsyncConnection._get_connection_params`` (every ``connect``,
  ``psycopg_pool`` included), ``BaseConnection._connect_gen``, which every connection attempt
  passes through, as a second lock, and ``psycopg.pq.PGconn.connect`` (libpq's own wrapper);
* asyncpg: ``connect_utils._parse_connect_arguments``, where ``connect``, ``create_pool`` and
  ``asyncpg.connection.connect`` turn their arguments into addresses.

A driver imported before :func:`pin_drivers` (a prepared child preloads them) is changed in
place; one imported later is changed as its import completes, before anything can call it. A
driver this module cannot change (its internals moved) cannot be imported in the child:
fail closed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from migration_guard.runners.pinned import pinned_parameters

_target: dict[str, str] = {}
_PINNED_MARK = "__migration_guard_pinned__"


class CannotPin(ImportError):
    """A driver whose insides are not as this module knows them (a release it does not
    support): it may not be used here. The environment's problem, not a bug (exit 3)."""


def pin_drivers(target: dict[str, str]) -> None:
    """Send every psycopg2, psycopg and asyncpg connection of this process to ``target``
    (libpq parameters, see :func:`~migration_guard.runners.pinned.libpq_target`)."""
    _target.clear()
    _target.update(target)
    for name in _PATCHES:
        module = sys.modules.get(name)
        if module is not None:
            _pin(name, module)
    if not any(isinstance(finder, _PinOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PinOnImport())


def _pin(name: str, module: ModuleType) -> None:
    if getattr(module, _PINNED_MARK, False):
        return
    try:
        _PATCHES[name](module)
    except Exception as error:
        version = getattr(module, "__version__", "")
        raise CannotPin(
            f"migration-guard cannot pin {name} {version} to the throwaway database "
            f"({type(error).__name__}: {error}), so it may not be used here"
        ) from error
    setattr(module, _PINNED_MARK, True)


class _PinOnImport(importlib.abc.MetaPathFinder):
    """Pins a driver package as its import completes."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: importlib.machinery.ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        original = getattr(loader, "exec_module", None)
        if original is None:
            raise CannotPin(f"migration-guard cannot pin {fullname} (loaded without exec_module)")

        def exec_module(module: ModuleType) -> None:
            original(module)
            _pin(fullname, module)

        setattr(loader, "exec_module", exec_module)  # noqa: B010 - this loader instance only
        return spec


# psycopg2


def _psycopg2_dsn(dsn: Any) -> str:
    from psycopg2 import extensions

    try:
        requested = extensions.parse_dsn(dsn or "")
    except Exception:  # unparsable: none of it is kept
        requested = {}
    return str(extensions.make_dsn(**pinned_parameters(requested, _target)))


def _pin_psycopg2(module: ModuleType) -> None:
    from psycopg2 import _psycopg

    base = _psycopg.connection
    pinned: dict[type, type] = {base: _pinned_connection_class(base)}
    _rebase_subclasses(base, pinned)
    for name, loaded in list(sys.modules.items()):
        if loaded is not None and (name == "psycopg2" or name.startswith("psycopg2.")):
            for attribute, value in list(vars(loaded).items()):
                if isinstance(value, type) and value in pinned:
                    setattr(loaded, attribute, pinned[value])
    original = _psycopg._connect
    default_class = pinned[base]

    def _connect(dsn: Any, connection_factory: Any = None, **kwargs: Any) -> Any:
        return original(
            _psycopg2_dsn(dsn), connection_factory=connection_factory or default_class, **kwargs
        )

    _psycopg._connect = _connect
    setattr(module, "_connect", _connect)  # noqa: B010 - what connect() calls, at each call


def _pinned_connection_class(cls: type) -> type:
    """``cls`` with its constructor's DSN pinned; no slots of its own, so classes derived
    from ``cls`` can be re-based onto it."""

    original: Callable[..., None] = cls.__init__  # type: ignore[misc]

    def __init__(self: Any, dsn: Any, *args: Any, **kwargs: Any) -> None:
        original(self, _psycopg2_dsn(dsn), *args, **kwargs)

    namespace = {
        "__init__": __init__,
        "__slots__": (),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    return type(cls.__name__, (cls,), namespace)


def _rebase_subclasses(cls: type, pinned: dict[type, type]) -> None:
    """Put the pinned class under every class derived from ``cls``: a Python class is re-based
    in place; a C one (``ReplicationConnection``) gets a pinned subclass of its own."""
    subclass: type
    for subclass in cls.__subclasses__():
        if subclass in pinned.values():
            continue
        try:
            subclass.__bases__ = tuple(pinned.get(base, base) for base in subclass.__bases__)
        except TypeError:  # an immutable type
            pinned[subclass] = _pinned_connection_class(subclass)
            _rebase_subclasses(subclass, pinned)


# psycopg 3


def _psycopg_conninfo(conninfo: str) -> str:
    from psycopg import conninfo as psycopg_conninfo  # type: ignore[import-not-found, unused-ignore]

    try:
        requested = psycopg_conninfo.conninfo_to_dict(conninfo)
    except Exception:  # unparsable: none of it is kept
        requested = {}
    return str(psycopg_conninfo.make_conninfo("", **pinned_parameters(requested, _target)))


def _pin_psycopg(module: ModuleType) -> None:
    base = module.BaseConnection
    connect_gen = base.__dict__["_connect_gen"].__func__

    def _connect_gen(cls: Any, conninfo: str = "", *args: Any, **kwargs: Any) -> Any:
        return connect_gen(cls, _psycopg_conninfo(conninfo), *args, **kwargs)

    base._connect_gen = classmethod(_connect_gen)
    _pin_pq(module.pq)
    # the parameters, pinned before psycopg resolves their hosts (a name only the team's
    # network knows would otherwise fail the attempt before _connect_gen could pin it)
    for cls in (module.Connection, module.AsyncConnection):
        found = cls.__dict__.get("_get_connection_params")
        if found is not None:
            cls._get_connection_params = classmethod(_pinned_params(found.__func__))


def _pin_pq(pq: ModuleType) -> None:
    """libpq's own wrapper, ``psycopg.pq.PGconn.connect(b"…")``, the lowest public route (psycopg
    swaps this class itself in its debug mode: nothing holds on to the original)."""
    base: Any = pq.PGconn

    def connect(cls: Any, conninfo: bytes) -> Any:
        return base.connect(_psycopg_conninfo(conninfo.decode()).encode())

    def connect_start(cls: Any, conninfo: bytes) -> Any:
        return base.connect_start(_psycopg_conninfo(conninfo.decode()).encode())

    namespace = {
        "connect": classmethod(connect),
        "connect_start": classmethod(connect_start),
        "__module__": base.__module__,
        "__qualname__": base.__qualname__,
        "__doc__": base.__doc__,
    }
    setattr(pq, "PGconn", type(base.__name__, (base,), namespace))  # noqa: B010


def _pinned_params(original: Callable[..., Any]) -> Callable[..., Any]:
    import inspect

    if inspect.iscoroutinefunction(original):

        async def pinned_async(cls: Any, conninfo: str, **kwargs: Any) -> Any:
            return pinned_parameters(await original(cls, conninfo, **kwargs), _target)

        return pinned_async

    def pinned(cls: Any, conninfo: str, **kwargs: Any) -> Any:
        return pinned_parameters(original(cls, conninfo, **kwargs), _target)

    return pinned


# asyncpg


def _pin_asyncpg(module: ModuleType) -> None:
    from asyncpg import connect_utils

    original = connect_utils._parse_connect_arguments

    def _parse_connect_arguments(**kwargs: Any) -> Any:
        forced: dict[str, Any] = {
            "dsn": None,
            "host": _target["host"],
            "port": int(_target["port"]),
            "user": _target.get("user"),
            "password": _target.get("password"),
            "passfile": os.devnull,
            "database": _target.get("dbname"),
            "ssl": _target.get("sslmode"),
            "direct_tls": None,
            "target_session_attrs": None,
            "krbsrvname": None,
            "gsslib": None,
            "service": None,
            "servicefile": None,
        }
        for required in ("dsn", "host", "port", "user", "password", "database"):
            if required not in kwargs:
                raise CannotPin(
                    f"migration-guard cannot pin asyncpg: it connected without {required!r}"
                )
        kwargs.update((key, value) for key, value in forced.items() if key in kwargs)
        return original(**kwargs)

    connect_utils._parse_connect_arguments = _parse_connect_arguments


_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "psycopg2": _pin_psycopg2,
    "psycopg": _pin_psycopg,
    "asyncpg": _pin_asyncpg,
}
