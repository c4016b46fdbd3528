"""What a revision's ``upgrade()`` does, read with ``ast`` as SQL the rules' reader understands.

When only some revisions are linted (the hook, ``lint --base``), the earlier ones are not
rendered; their tables, column types, indexes and check constraints are read from the
files instead, so the rules can still ask :class:`History` about them. Only literal
arguments count: a call built at run time is skipped, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from migration_guard.readers.existing_types import sql_type_of
from migration_guard.readers.revision_calls import literal_argument, literal_string
from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements


@dataclass(frozen=True)
class ScannedStatement:
    sql: str
    facts: tuple[f.Fact, ...]


def upgrade_statements(path: Path) -> list[ScannedStatement]:
    """The statements the file's ``upgrade()`` would run, as far as its literals tell."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return []
    upgrade = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == "upgrade"
        ),
        None,
    )
    if upgrade is None:
        return []
    found: list[ScannedStatement] = []
    for sql in _sql_of(upgrade, batch_table=None):
        for raw in split_statements(sql):
            found.append(ScannedStatement(raw.text, read_statement(raw)))
    return found


def _sql_of(node: ast.AST, batch_table: str | None) -> Iterator[str]:
    """SQL for the op. calls under ``node``, in source order."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.With):
            table = batch_table
            for item in child.items:
                table = _batch_table(item.context_expr) or table
            yield from _sql_of(child, table)
            continue
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            sql = _call_sql(child, batch_table)
            if sql is not None:
                yield sql
        yield from _sql_of(child, batch_table)


def _batch_table(expression: ast.expr) -> str | None:
    if not (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Attribute)
        and expression.func.attr == "batch_alter_table"
    ):
        return None
    table = literal_argument(expression, 0, "table_name")
    if not isinstance(table, str):
        return None
    return _qualified(table, literal_argument(expression, 1, "schema"))


def _call_sql(call: ast.Call, batch_table: str | None) -> str | None:
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if method == "execute":
        return literal_string(call.args[0]) if call.args else None
    if method == "drop_index":
        name = _name(call)
        return f"DROP INDEX {_qualified(name, _keyword(call, 'schema'))}" if name else None
    # op. calls name the table (first, or after the object's name); batch_op. calls do not
    named = batch_table is None
    table = batch_table
    if table is None:
        position = (
            0 if method in ("create_table", "drop_table", "add_column", "alter_column") else 1
        )
        first = literal_argument(call, position, "table_name")
        if not isinstance(first, str):
            return None
        table = _qualified(first, _keyword(call, "schema"))
    after_table = 1 if named else 0  # where the arguments after the table start
    if method == "create_table" and named:
        columns = [_column_sql(argument) for argument in call.args[1:]]
        types = "".join(_enum_sql(argument) for argument in call.args[1:])
        return f"{types}CREATE TABLE {table} ({', '.join(c for c in columns if c)})"
    if method == "drop_table" and named:
        return f"DROP TABLE {table}"
    if method == "add_column":
        added = call.args[after_table] if len(call.args) > after_table else None
        column = _column_sql(added) if added is not None else None
        types = _enum_sql(added) if added is not None else ""
        return f"{types}ALTER TABLE {table} ADD COLUMN {column}" if column else None
    if method == "alter_column":
        altered = literal_argument(call, after_table, "column_name")
        new_type = _keyword(call, "type_")
        type_sql = sql_type_of(new_type) if isinstance(new_type, ast.expr) else None
        if not isinstance(altered, str) or type_sql is None:
            return None
        return f"ALTER TABLE {table} ALTER COLUMN {_quote(altered)} TYPE {type_sql}"
    name = _name(call)
    if name is None:
        return None
    if method == "create_index":
        return f"CREATE INDEX {_quote(name)} ON {table} (x)"
    if method == "create_check_constraint":
        condition = _argument_string(call, 1 + after_table, "condition")
        if condition is None:
            return None
        not_valid = _keyword(call, "postgresql_not_valid")
        valid = not (isinstance(not_valid, ast.Constant) and not_valid.value is True)
        return f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} CHECK ({condition})" + (
            "" if valid else " NOT VALID"
        )
    if method == "drop_constraint":
        return f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}"
    return None


def _column_sql(argument: ast.expr) -> str | None:
    if not (
        isinstance(argument, ast.Call)
        and (
            (isinstance(argument.func, ast.Attribute) and argument.func.attr == "Column")
            or (isinstance(argument.func, ast.Name) and argument.func.id == "Column")
        )
    ):
        return None
    name = literal_string(argument.args[0]) if argument.args else None
    if name is None:
        return None
    type_sql = sql_type_of(argument.args[1]) if len(argument.args) > 1 else None
    return f"{_quote(name)} {type_sql or 'unknown_type'}"


def _enum_sql(argument: ast.expr) -> str:
    """``CREATE TYPE … AS ENUM (…);`` for a column of ``sa.Enum("a", "b", name="x")`` (or
    ``postgresql.ENUM``), which Alembic creates with the table; empty for any other column."""
    if not (isinstance(argument, ast.Call) and len(argument.args) > 1):
        return ""
    enum = argument.args[1]
    if not isinstance(enum, ast.Call):
        return ""
    callee = enum.func.attr if isinstance(enum.func, ast.Attribute) else None
    if isinstance(enum.func, ast.Name):
        callee = enum.func.id
    if callee not in ("Enum", "ENUM"):
        return ""
    labels = [literal_string(label) for label in enum.args]
    name = _keyword(enum, "name")
    schema = _keyword(enum, "schema")
    create = _keyword(enum, "create_type")
    if not isinstance(name, str) or not labels or any(label is None for label in labels):
        return ""
    if isinstance(create, ast.Constant) and create.value is False:
        return ""
    quoted_labels = ", ".join("'" + str(label).replace("'", "''") + "'" for label in labels)
    return f"CREATE TYPE {_qualified(name, schema)} AS ENUM ({quoted_labels}); "


def _argument_string(call: ast.Call, position: int, keyword: str) -> str | None:
    """A string given as ``keyword=`` or at ``position``, plain or in ``sa.text("…")``."""
    for given in call.keywords:
        if given.arg == keyword:
            return literal_string(given.value)
    return literal_string(call.args[position]) if position < len(call.args) else None


def _name(call: ast.Call) -> str | None:
    if call.args:
        return literal_string(call.args[0])
    for keyword in call.keywords:
        if keyword.arg in ("index_name", "constraint_name"):
            return literal_string(keyword.value)
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | str | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            value = keyword.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
            return value
    return None


def _qualified(name: str, schema: object) -> str:
    return f"{_quote(schema)}.{_quote(name)}" if isinstance(schema, str) else _quote(name)


def _quote(identifier: str) -> str:
    # SQLAlchemy names are exact, as a quoted PostgreSQL identifier is
    return '"' + identifier.replace('"', '""') + '"'
