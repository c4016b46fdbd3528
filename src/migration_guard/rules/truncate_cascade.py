"""Rule ``truncate-cascade``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class TruncateCascade(Rule):
    """``TRUNCATE … CASCADE``.

    What it flags
    -------------
    ``TRUNCATE`` with ``CASCADE``, on any table.

    Why it hurts
    ------------
    ``CASCADE`` also empties every table with a foreign key to the truncated one, and the
    tables referencing those, recursively: tables nobody named in the migration lose all
    their rows, with an ACCESS EXCLUSIVE lock on each.

    Do this instead
    ---------------
    Name every table you mean to empty (or delete the rows you mean)::

        op.execute("TRUNCATE order_lines, orders")
    """

    id = "truncate-cascade"
    severity = "error"
    summary = "TRUNCATE … CASCADE empties every referencing table too"
    help = "List the tables to truncate explicitly instead of CASCADE."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.Truncate):
            if fact.cascade:
                yield Violation(
                    statement,
                    f"TRUNCATE `{fact.table}` CASCADE also empties every table that "
                    "references it, recursively.",
                )
