"""Rule ``not-null-without-default``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class NotNullWithoutDefault(Rule):
    """A NOT NULL column added to an existing table without a default.

    What it flags
    -------------
    ``ALTER TABLE … ADD COLUMN … NOT NULL`` with no ``DEFAULT`` (or ``DEFAULT NULL``) on a
    table this migration did not create. Identity, generated and serial columns fill
    themselves and are not flagged; neither is a NOT NULL column of a table created earlier
    in the same migration.

    Also flagged: a column added without a default and then set NOT NULL
    (``ALTER COLUMN … SET NOT NULL``) in the same migration with no backfill in between.
    ``SET DEFAULT`` does not fill existing rows; an ``UPDATE`` of the table, a ``DO`` block,
    a ``SELECT``/``CALL`` of a function or an ``ALTER COLUMN … TYPE … USING`` counts as a
    backfill. When ``upgrade()`` runs Python code between the two ``op.`` calls that emits no
    SQL offline (an ``if not context.is_offline_mode():`` backfill, a session of its own),
    the SQL cannot show whether it fills the column: the finding says so and stands, for a
    suppression with the reason when the code does fill it.

    Why it hurts
    ------------
    PostgreSQL has to give every existing row a value. With no default that value is NULL,
    which the constraint forbids, so ``alembic upgrade`` fails on any table that has rows,
    usually in production and not on an empty development database.

    Do this instead
    ---------------
    Give the column a server default (cheap since PostgreSQL 11), or add it nullable,
    backfill, then make it NOT NULL in a later migration::

        op.add_column(
            "orders",
            sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        )
    """

    id = "not-null-without-default"
    severity = "error"
    summary = "NOT NULL column added to an existing table without a default"
    help = (
        "Add a server_default, or add the column nullable, backfill it, and set NOT NULL "
        "in a later migration."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        # Columns added nullable without a default, still NULL in every existing row.
        unfilled: list[tuple[f.Name, str]] = []
        added_at: dict[tuple[f.Name, str], int | None] = {}  # the ADD COLUMN's line
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.AddColumn):
                    column = fact.column
                    if column.default is not None or column.fills_itself:
                        continue
                    if migration.is_new_table(fact.table, statement.index):
                        continue
                    if column.not_null:
                        yield Violation(
                            statement,
                            f"Column `{fact.table}.{column.name}` is added as NOT NULL without "
                            "a default, so the migration fails on a table with rows.",
                        )
                    else:
                        unfilled.append((fact.table, column.name))
                        added_at[(fact.table, column.name)] = statement.line
                elif isinstance(fact, f.SetNotNull):
                    key = _find(unfilled, fact.table, fact.column)
                    if key is not None:
                        unfilled.remove(key)
                        if _python_between(migration, added_at.get(key), statement.line):
                            message = (
                                f"Column `{fact.table}.{fact.column}` is added without a default "
                                "and set NOT NULL with no SQL statement in between that fills "
                                "it; unless the Python code between them does, the migration "
                                "fails on a table with rows."
                            )
                        else:
                            message = (
                                f"Column `{fact.table}.{fact.column}` is added without a default "
                                "and set NOT NULL with no backfill in between, so the migration "
                                "fails on a table with rows."
                            )
                        yield Violation(statement, message)
                elif isinstance(fact, (f.DropColumn, f.AlterColumnType)):
                    if isinstance(fact, f.DropColumn) or fact.using is not None:
                        key = _find(unfilled, fact.table, fact.column)
                        if key is not None:
                            unfilled.remove(key)
                elif isinstance(fact, f.RenameColumn):
                    key = _find(unfilled, fact.table, fact.column)
                    if key is not None:
                        unfilled[unfilled.index(key)] = (key[0], fact.new_name)
                        added_at[(key[0], fact.new_name)] = added_at.get(key)
                elif isinstance(fact, f.Update):
                    unfilled = [key for key in unfilled if not key[0].same_as(fact.table)]
                elif isinstance(fact, f.Other) and fact.kind.split(" ", 1)[0] in _MAY_BACKFILL:
                    unfilled = []


# Statements that may fill existing rows in ways the facts do not show.
_MAY_BACKFILL = frozenset({"do", "select", "call", "execute", "with", "merge", "copy", "perform"})


def _find(keys: list[tuple[f.Name, str]], table: f.Name, column: str) -> tuple[f.Name, str] | None:
    for key in keys:
        if key[1] == column and key[0].same_as(table):
            return key
    return None


def _python_between(migration: MigrationFacts, first: int | None, last: int | None) -> bool:
    """True when the revision file runs code other than ``op.`` calls between lines
    ``first`` and ``last`` (exclusive): code whose effect the rendered SQL may not show."""
    if migration.source_text is None or first is None or last is None or last - first < 2:
        return False
    return any(first < line < last for line in _plain_python_lines(migration.source_text))


@lru_cache(maxsize=16)
def _plain_python_lines(source_text: str) -> tuple[int, ...]:
    """First lines of the simple statements inside functions that are not ``op.`` /
    ``batch_op.`` calls (``with`` and ``pass`` aside; their bodies are looked into)."""
    try:
        tree = ast.parse(source_text)
    except (SyntaxError, ValueError):
        return ()
    lines: list[int] = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if node is function or not isinstance(node, ast.stmt):
                continue
            if isinstance(node, (ast.With, ast.AsyncWith, ast.Pass)) or _is_op_call(node):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring
            lines.append(node.lineno)
    return tuple(lines)


def _is_op_call(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("op", "batch_op")
    )
