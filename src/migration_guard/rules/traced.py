"""What trace's rules share: their facts are the run of one revision (``MigrationFacts.trace``),
and their violations point at the statement PostgreSQL executed or at the revision file's line."""

from __future__ import annotations

import ast

from migration_guard.rules.base import StatementFacts
from migration_guard.trace_results import ExecutedStatement

EXCLUSIVE = "AccessExclusiveLock"


def executed(statement: ExecutedStatement, index: int) -> StatementFacts:
    """An executed statement as a violation's statement (its ``op.`` line and SQL)."""
    return StatementFacts(
        index, statement.sql, statement.line, statement.line, (), statement.in_transaction
    )


def at_line(line: int | None, sql: str = "", end_line: int | None = None) -> StatementFacts:
    """A place in the revision file (a failed step's line, the downgrade function)."""
    return StatementFacts(-1, sql, line, end_line if end_line is not None else line, (), None)


def downgrade_span(source: str | None) -> tuple[int, int] | None:
    """First and last line of the revision file's ``def downgrade``, or None."""
    if not source:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            return node.lineno, node.end_lineno or node.lineno
    return None
