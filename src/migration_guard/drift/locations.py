"""Where the migrations build what the models lack: the revision file and ``op.`` line.

A drift problem of the kind "drop table audit_log (not in the models)" has no model to point
at; the useful place is the revision that created the table (or added the column), read
statically with ``ast`` (never imported): the last one in upgrade order, since that is the one
the schema holds.
"""

from __future__ import annotations

import ast
from pathlib import Path

from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.order import upgrade_order


def created_in(
    root: Path, graph: RevisionGraph, table: str | None, column: str | None
) -> tuple[str, int] | tuple[None, None]:
    """The revision file (relative to ``root``) and line that last created ``table``, or added
    ``column`` to it; (None, None) when no revision visibly does."""
    if not table:
        return None, None
    name = table.rpartition(".")[2]
    found: tuple[str, int] | tuple[None, None] = (None, None)
    for revision in upgrade_order(graph):
        path = graph.revisions[revision].path
        try:
            tree = ast.parse((root / path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        line = _creating_line(tree, name, column)
        if line is not None:
            found = (path, line)
    return found


def _creating_line(tree: ast.AST, table: str, column: str | None) -> int | None:
    line = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if not node.args or _string(node.args[0]) != table:
            continue
        called = node.func.attr
        if column is None:
            if called == "create_table":
                line = node.lineno
        elif called in ("create_table", "add_column") and any(
            _column_name(argument) == column for argument in node.args[1:]
        ):
            line = node.lineno
    return line


def _column_name(node: ast.expr) -> str | None:
    """``sa.Column("name", …)``'s name."""
    if isinstance(node, ast.Call) and node.args:
        function = node.func
        called = function.attr if isinstance(function, ast.Attribute) else None
        if isinstance(function, ast.Name):
            called = function.id
        if called == "Column":
            return _string(node.args[0])
    return None


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
