"""Rule ``primary-key-without-index``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class PrimaryKeyWithoutIndex(Rule):
    """A primary key added to an existing table that builds its own index.

    What it flags
    -------------
    ``ALTER TABLE … ADD PRIMARY KEY (…)`` / ``ADD CONSTRAINT … PRIMARY KEY (…)`` and
    ``ADD COLUMN … PRIMARY KEY`` on a table this migration did not create.
    ``ADD CONSTRAINT … PRIMARY KEY USING INDEX idx`` is not flagged, nor is a ``serial`` or
    identity column added as the key: ``auto-increment-column`` reports its rewrite and its
    index as one finding.

    Why it hurts
    ------------
    PostgreSQL builds the unique index (and sets the columns NOT NULL, scanning the table)
    while holding an ACCESS EXCLUSIVE lock: no reads or writes until it is done.

    Do this instead
    ---------------
    Build the unique index concurrently, then promote it::

        with op.get_context().autocommit_block():
            op.create_index("orders_pkey_idx", "orders", ["id"], unique=True,
                            postgresql_concurrently=True)
        op.execute("ALTER TABLE orders ADD CONSTRAINT orders_pkey "
                   "PRIMARY KEY USING INDEX orders_pkey_idx")
    """

    id = "primary-key-without-index"
    severity = "warning"
    summary = "primary key added without an index built concurrently first"
    help = "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … PRIMARY KEY USING INDEX."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.AddConstraint):
                    constraint = fact.constraint
                    if constraint.kind != "primary-key" or constraint.using_index is not None:
                        continue
                    message = (
                        f"Primary key on `{fact.table}` builds its index under an ACCESS "
                        "EXCLUSIVE lock."
                    )
                elif isinstance(fact, f.AddColumn) and fact.column.primary_key:
                    if fact.column.identity or fact.column.base_type in f.SERIAL_TYPES:
                        continue  # auto-increment-column reports the rewrite and the index

                    message = (
                        f"Column `{fact.table}.{fact.column.name}` is added as PRIMARY KEY, "
                        "which builds an index under an ACCESS EXCLUSIVE lock."
                    )
                else:
                    continue
                if not migration.is_new_table(fact.table, statement.index):
                    yield Violation(statement, message)
