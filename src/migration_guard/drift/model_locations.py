"""Where a table and its columns are declared in the model files, read statically (``ast``).

``drift`` points each pending operation at the model file that declares its table: a class
with ``__tablename__ = "…"`` (the column's line when the class names it) or a
``Table("…", metadata, Column("…"), …)`` call. Tables whose name is computed are not found;
the problem then has no path, as the contract allows.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migration_guard.project.models_diff import is_revision, table_name

_COLUMN_CALLS = {"mapped_column", "Column", "column_property", "deferred", "relationship"}


@dataclass
class TableLocation:
    path: str
    line: int
    columns: dict[str, int] = field(default_factory=dict)


def model_locations(
    root: Path, folders: tuple[str, ...], versions: Sequence[Path] = ()
) -> dict[str, TableLocation]:
    """``{table name: location}`` for the ``.py`` files under ``folders`` (from ``root``);
    paths are relative to ``root``. A file that cannot be parsed is skipped, and so are
    revision files (under ``versions``: a models folder may hold the versions folder)."""
    found: dict[str, TableLocation] = {}
    for folder in folders:
        base = root / folder
        files = [base] if base.is_file() else sorted(base.rglob("*.py")) if base.is_dir() else []
        for path in files:
            if "__pycache__" in path.parts or is_revision(path, versions):
                continue
            try:
                tree = ast.parse(path.read_bytes(), filename=str(path))
            except (SyntaxError, ValueError, OSError):
                continue
            shown = path.relative_to(root).as_posix()
            for name, location in _tables(tree, shown):
                found.setdefault(name, location)
    return found


def locate(
    locations: dict[str, TableLocation], table: str | None, column: str | None
) -> tuple[str | None, int | None]:
    """The model file and line of ``table`` (``schema.table`` or bare) and ``column``."""
    if table is None:
        return None, None
    location = locations.get(table) or locations.get(table.rpartition(".")[2])
    if location is None:
        return None, None
    if column is not None and column in location.columns:
        return location.path, location.columns[column]
    return location.path, location.line


def _tables(tree: ast.Module, path: str) -> list[tuple[str, TableLocation]]:
    tables: list[tuple[str, TableLocation]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            name = table_name(node)
            if name is not None:
                tables.append((name, TableLocation(path, node.lineno, _class_columns(node))))
        elif isinstance(node, ast.Call) and _called(node) == "Table" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                columns = {
                    column: argument.lineno
                    for argument in node.args[1:]
                    if (column := _column_argument_name(argument)) is not None
                }
                tables.append((first.value, TableLocation(path, node.lineno, columns)))
    return tables


def _class_columns(node: ast.ClassDef) -> dict[str, int]:
    """Attribute name → line, and the explicit column name (``mapped_column("name")``) → line."""
    columns: dict[str, int] = {}
    for statement in node.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        if not isinstance(target, ast.Name) or target.id.startswith("__"):
            continue
        columns.setdefault(target.id, statement.lineno)
        if isinstance(value, ast.Call):
            explicit = _column_argument_name(value)
            if explicit is not None:
                columns[explicit] = statement.lineno
    return columns


def _column_argument_name(node: ast.expr) -> str | None:
    if not isinstance(node, ast.Call) or _called(node) not in _COLUMN_CALLS or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""
