"""Which columns each table gets across a project's revision files, read with ``ast``.

Used to learn a project's soft-delete convention even when only a few revisions are linted
(the hook, ``lint --base``): the files are parsed, never imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements


def table_has_all(root: Path, paths: Iterable[str], columns: Iterable[str]) -> bool:
    """True when some table gets every one of ``columns`` somewhere in the files."""
    wanted = set(columns)
    if not wanted:
        return False
    per_table: dict[str, set[str]] = {}
    for path in paths:
        try:
            tree = ast.parse((root / path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for table, column in _added_columns(tree):
            present = per_table.setdefault(table, set())
            present.add(column)
            if wanted <= present:
                return True
    return False


def _added_columns(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(table, column) for create_table, add_column (batch mode too) and op.execute SQL."""
    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                table = _batch_table(item.context_expr)
                if table is None:
                    continue
                for inner in ast.walk(node):
                    if _called(inner) == "add_column":
                        assert isinstance(inner, ast.Call)
                        for column in _column_names(inner.args):
                            yield table, column
        name = _called(node)
        if name is None:
            continue
        assert isinstance(node, ast.Call)
        first = _string(node.args[0]) if node.args else None
        if name in ("create_table", "add_column") and first is not None:
            for column in _column_names(node.args[1:]):
                yield first, column
        elif name == "execute" and first is not None:
            yield from _sql_columns(first)


def _batch_table(expression: ast.expr) -> str | None:
    if _called(expression) != "batch_alter_table":
        return None
    assert isinstance(expression, ast.Call)
    table = _string(expression.args[0]) if expression.args else None
    for keyword in expression.keywords:
        if keyword.arg == "table_name":
            table = _string(keyword.value)
    return table


def _sql_columns(sql: str) -> Iterator[tuple[str, str]]:
    for raw in split_statements(sql):
        for fact in read_statement(raw):
            if isinstance(fact, f.CreateTable):
                for column in fact.columns:
                    yield fact.table.name, column.name
            elif isinstance(fact, f.AddColumn):
                yield fact.table.name, fact.column.name


def _column_names(arguments: Iterable[ast.expr]) -> Iterator[str]:
    for argument in arguments:
        if _called(argument) == "Column":
            assert isinstance(argument, ast.Call)
            name = _string(argument.args[0]) if argument.args else None
            if name is not None:
                yield name


def _called(node: ast.AST) -> str | None:
    """The called function's last name (``op.add_column`` -> "add_column"), if a call."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _string(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
