"""Rule ``index-not-concurrent``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class IndexNotConcurrent(Rule):
    """An index built on an existing table without CONCURRENTLY.

    What it flags
    -------------
    ``CREATE [UNIQUE] INDEX`` without ``CONCURRENTLY`` on a table this migration did not
    create. Indexes on tables created earlier in the same migration are fine.

    Why it hurts
    ------------
    A plain ``CREATE INDEX`` holds a SHARE lock for the whole build: every INSERT, UPDATE and
    DELETE on the table waits until the index is finished, which on a large table is
    minutes of downtime.

    Do this instead
    ---------------
    Build it concurrently, outside the migration's transaction::

        with op.get_context().autocommit_block():
            op.create_index("ix_orders_customer_id", "orders", ["customer_id"],
                            postgresql_concurrently=True)
    """

    id = "index-not-concurrent"
    severity = "warning"
    summary = "index created on an existing table without CONCURRENTLY"
    help = (
        "Use op.create_index(..., postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block()."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.CreateIndex):
            if fact.concurrently or migration.is_new_table(fact.table, statement.index):
                continue
            name = f"`{fact.name}` " if fact.name else ""
            yield Violation(
                statement,
                f"Index {name}on existing table `{fact.table}` is built without CONCURRENTLY "
                "and blocks writes while it builds.",
            )
