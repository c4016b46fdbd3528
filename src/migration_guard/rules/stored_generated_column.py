"""Rule ``stored-generated-column``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class StoredGeneratedColumn(Rule):
    """A stored generated column added to an existing table.

    What it flags
    -------------
    ``ADD COLUMN … GENERATED ALWAYS AS (…) STORED`` (``sa.Computed``) on a table this
    migration did not create.

    Why it hurts
    ------------
    The value is computed and stored for every existing row: a full table rewrite under
    ACCESS EXCLUSIVE, blocking reads and writes until it ends.

    Do this instead
    ---------------
    Add a plain column filled by a trigger and backfill it in batches, or compute the
    value in a view or an expression index::

        op.add_column("orders", sa.Column("total_cents", sa.BigInteger(), nullable=True))
    """

    id = "stored-generated-column"
    severity = "warning"
    summary = "stored generated column added to an existing table (table rewrite)"
    help = "Add a plain nullable column and backfill it in batches instead."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.AddColumn):
            if fact.column.generated and not migration.is_new_table(fact.table, statement.index):
                yield Violation(
                    statement,
                    f"Generated column `{fact.column.name}` is computed for every row of "
                    f"existing table `{fact.table}`: a rewrite under ACCESS EXCLUSIVE.",
                )
