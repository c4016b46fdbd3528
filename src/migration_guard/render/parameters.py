"""Parameters given with a statement, rendered with their values in offline SQL.

Offline, ``op.get_bind()`` is Alembic's mock connection, whose ``execute(statement, params)``
drops ``params``: ``conn.execute(sa.text("UPDATE t SET active = :v"), {"v": True})`` was
linted as ``SET active = NULL`` while it runs ``= TRUE``. Imported by the render child only:
:func:`keep_parameters` makes the mock connection bind them (one statement per parameter set
of an executemany), so the rendered SQL is what runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def keep_parameters() -> None:
    """Make Alembic's offline connection render the parameters it is given."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine.mock import MockConnection

    def stdout_connection(self: Any, connection: Any) -> MockConnection:
        def dump(construct: Any, *multiparams: Any, **params: Any) -> None:
            for statement in with_parameters(construct, multiparams, params):
                self.impl._exec(statement)

        return MockConnection(self.dialect, dump)

    setattr(MigrationContext, "_stdout_connection", stdout_connection)  # noqa: B010


def with_parameters(
    construct: Any, multiparams: Sequence[Any], params: Mapping[str, Any]
) -> list[Any]:
    """``construct`` once per parameter set given, each with its values bound."""
    sets: list[dict[str, Any]] = []
    for given in multiparams:
        if isinstance(given, Mapping):
            sets.append(dict(given))
        elif isinstance(given, (list, tuple)):
            sets.extend(dict(item) for item in given if isinstance(item, Mapping))
    if params:
        sets.append(dict(params))
    if not sets or isinstance(construct, str):
        return [construct]
    return [_bound(construct, values) for values in sets]


def _bound(construct: Any, values: dict[str, Any]) -> Any:
    """``construct`` with each bind parameter named in ``values`` holding its value (its type
    taken from the value when the statement left it untyped, as ``bindparams`` does)."""
    from sqlalchemy import bindparam
    from sqlalchemy.sql import visitors
    from sqlalchemy.sql.elements import BindParameter, TextClause
    from sqlalchemy.types import NullType

    if isinstance(construct, TextClause):
        known = {key: value for key, value in values.items() if key in construct._bindparams}
        return construct.bindparams(**known) if known else construct

    def replace(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in values:
            kind = None if isinstance(element.type, NullType) else element.type
            return bindparam(element.key, values[element.key], type_=kind)
        return None

    try:
        return visitors.replacement_traverse(construct, {}, replace)
    except Exception:  # a construct that cannot be copied: as Alembic would render it
        return construct
