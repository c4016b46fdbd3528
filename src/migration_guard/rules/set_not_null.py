"""Rule ``set-not-null``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class SetNotNull(Rule):
    """SET NOT NULL on a column of an existing table.

    What it flags
    -------------
    ``ALTER TABLE … ALTER COLUMN … SET NOT NULL`` on a table this migration did not create,
    unless the same migration first added a ``CHECK (column IS NOT NULL)`` constraint on that
    table (which lets PostgreSQL 12+ skip the scan once validated).

    Why it hurts
    ------------
    PostgreSQL scans the whole table to prove there are no NULLs while holding an ACCESS
    EXCLUSIVE lock, so reads and writes wait for the scan.

    Do this instead
    ---------------
    Add a NOT VALID check, validate it (a weaker lock), then set NOT NULL and drop the
    check::

        op.execute("ALTER TABLE orders ADD CONSTRAINT orders_status_not_null "
                   "CHECK (status IS NOT NULL) NOT VALID")
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null")
        op.alter_column("orders", "status", nullable=False)
        op.drop_constraint("orders_status_not_null", "orders")
    """

    id = "set-not-null"
    severity = "warning"
    summary = "SET NOT NULL on an existing column scans the table under an exclusive lock"
    help = "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.SetNotNull):
            if migration.is_new_table(fact.table, statement.index):
                continue
            if _has_not_null_check(migration, fact, statement.index):
                continue
            yield Violation(
                statement,
                f"Column `{fact.table}.{fact.column}` is set NOT NULL, which scans the table "
                "under an exclusive lock.",
            )


def _has_not_null_check(migration: MigrationFacts, target: f.SetNotNull, before: int) -> bool:
    quoted = re.escape(target.column)
    pattern = re.compile(rf'^\(?\s*"?{quoted}"?\s+is\s+not\s+null\s*\)?$')
    for statement, fact in migration.each(f.AddConstraint):
        if statement.index >= before or not fact.table.same_as(target.table):
            continue
        expression = fact.constraint.expression
        if fact.constraint.kind == "check" and expression and pattern.match(expression):
            return True
    return False
