"""The ``existing_type=`` an ``op.alter_column`` call declares, read from the revision with ``ast``.

Alembic's offline SQL says only the new type; the revision file often says the old one.
"""

from __future__ import annotations

import ast

from migration_guard.readers.revision_calls import calls_on_line, literal_string

_VARCHAR = frozenset({"String", "VARCHAR", "Unicode", "NVARCHAR"})
_TEXT = frozenset({"Text", "TEXT", "UnicodeText"})
_NUMERIC = frozenset({"Numeric", "NUMERIC", "DECIMAL"})
_PLAIN = {
    "Integer": "integer",
    "INTEGER": "integer",
    "BigInteger": "bigint",
    "BIGINT": "bigint",
    "SmallInteger": "smallint",
    "SMALLINT": "smallint",
    "INET": "inet",
    "CIDR": "cidr",
    "Boolean": "boolean",
    "BOOLEAN": "boolean",
}


def existing_type_at(source_text: str, line: int, column: str) -> str | None:
    """The SQL type ``existing_type=`` names for ``column`` in the alter_column call on
    ``line`` (a call spanning several lines counts on each); None when not said or unknown."""
    for call in calls_on_line(source_text, line, "alter_column"):
        if _column_argument(call) != column:
            continue
        declared = next((k.value for k in call.keywords if k.arg == "existing_type"), None)
        if declared is not None:
            return sql_type_of(declared)
    return None


def _column_argument(call: ast.Call) -> str | None:
    # op.alter_column(table, column, ...) or batch_op.alter_column(column, ...)
    for keyword in call.keywords:
        if keyword.arg == "column_name":
            return literal_string(keyword.value)
    strings = [literal_string(argument) for argument in call.args[:2]]
    named = [string for string in strings if string is not None]
    return named[-1] if named else None


def sql_type_of(expression: ast.expr) -> str | None:
    """The PostgreSQL type a SQLAlchemy type expression (``sa.String(100)``) renders as."""
    call = expression if isinstance(expression, ast.Call) else None
    target = call.func if call is not None else expression
    if isinstance(target, ast.Attribute):
        name = target.attr
    elif isinstance(target, ast.Name):
        name = target.id
    else:
        return None
    arguments = _arguments(call)
    if name in _VARCHAR:
        length = arguments.get("length", arguments.get(0))
        return f"varchar({length})" if isinstance(length, int) else "varchar"
    if name in _TEXT:
        return "text"
    if name in _NUMERIC:
        precision = arguments.get("precision", arguments.get(0))
        scale = arguments.get("scale", arguments.get(1, 0))
        if isinstance(precision, int) and isinstance(scale, int):
            return f"numeric({precision}, {scale})"
        return "numeric" if precision is None else None
    if name in ("DateTime", "TIMESTAMP"):
        zoned = arguments.get("timezone", arguments.get(0)) is True
        return "timestamptz" if zoned else "timestamp"
    if name == "BIT":
        length = arguments.get("length", arguments.get(0))
        kind = "varbit" if arguments.get("varying") is True else "bit"
        return f"{kind}({length})" if isinstance(length, int) else kind
    return _PLAIN.get(name)


def _arguments(call: ast.Call | None) -> dict[str | int, object]:
    """Literal arguments by position and keyword; anything else is left out."""
    if call is None:
        return {}
    values: dict[str | int, object] = {}
    for position, argument in enumerate(call.args):
        if isinstance(argument, ast.Constant):
            values[position] = argument.value
    for keyword in call.keywords:
        if keyword.arg is not None and isinstance(keyword.value, ast.Constant):
            values[keyword.arg] = keyword.value.value
    return values
