"""Rule ``duplicate-column-assignment``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DuplicateColumnAssignment(Rule):
    """``UPDATE … SET`` naming one column twice.

    What it flags
    -------------
    ``UPDATE t SET a = …, a = …`` (also inside ``(a, b) = (…)`` lists).

    Why it hurts
    ------------
    PostgreSQL rejects it ("multiple assignments to same column"), so the migration fails
    when it runs; usually one of the two was meant to be another column.

    Do this instead
    ---------------
    Assign each column once::

        op.execute("UPDATE orders SET status = 'new', placed_at = now() WHERE status IS NULL")
    """

    id = "duplicate-column-assignment"
    severity = "error"
    summary = "UPDATE assigns the same column twice (PostgreSQL refuses it)"
    help = "Assign each column once in the SET list."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.Update):
            seen: set[str] = set()
            for column in fact.columns:
                if column in seen:
                    yield Violation(
                        statement, f"UPDATE of `{fact.table}` assigns `{column}` more than once."
                    )
                    break
                seen.add(column)
