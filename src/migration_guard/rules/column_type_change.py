"""Rule ``column-type-change``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class ColumnTypeChange(Rule):
    """A column of an existing table changes type.

    What it flags
    -------------
    ``ALTER TABLE … ALTER COLUMN … TYPE`` on a table this migration did not create.

    Why it hurts
    ------------
    Most type changes rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock
    (no reads, no writes), and code still running against the old type may break. Only a
    few changes are free (e.g. ``varchar(n)`` to ``text`` or to a larger ``n``).

    Do this instead
    ---------------
    Add a new column, backfill it in batches, switch the code over, then drop the old one::

        op.add_column("orders", sa.Column("total_cents_big", sa.BigInteger()))
        # backfill in batches, deploy code reading the new column, then in a later migration:
        op.drop_column("orders", "total_cents")

    If the change is one of the free ones, suppress the finding with that as the reason.
    """

    id = "column-type-change"
    severity = "warning"
    summary = "column type changed on an existing table"
    help = "Add a new column, backfill it, switch readers, then drop the old column."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.AlterColumnType):
            if migration.is_new_table(fact.table, statement.index):
                continue
            yield Violation(
                statement,
                f"Column `{fact.table}.{fact.column}` changes type to {fact.type.upper()}, "
                "which may rewrite the table under an exclusive lock.",
            )
