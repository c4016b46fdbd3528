"""Rule ``drop-index-not-concurrent``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropIndexNotConcurrent(Rule):
    """An existing index dropped without CONCURRENTLY.

    What it flags
    -------------
    ``DROP INDEX`` without ``CONCURRENTLY`` of an index this migration did not create.

    Why it hurts
    ------------
    A plain ``DROP INDEX`` takes an ACCESS EXCLUSIVE lock on the index's table. The drop
    itself is quick, but the lock waits behind every running query on the table and, while
    it waits, blocks every new read and write behind it.

    Do this instead
    ---------------
    Drop it concurrently, outside the migration's transaction::

        with op.get_context().autocommit_block():
            op.drop_index("ix_orders_legacy", table_name="orders",
                          postgresql_concurrently=True)
    """

    id = "drop-index-not-concurrent"
    severity = "warning"
    summary = "existing index dropped without CONCURRENTLY"
    help = (
        "Use op.drop_index(..., postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block()."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        created: list[str] = []
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.CreateIndex) and fact.name is not None:
                    created.append(fact.name)
                elif isinstance(fact, f.DropIndex):
                    if fact.concurrently or fact.index.name in created:
                        continue
                    yield Violation(
                        statement,
                        f"Index `{fact.index}` is dropped without CONCURRENTLY; the lock on its "
                        "table blocks reads and writes while it waits.",
                    )
