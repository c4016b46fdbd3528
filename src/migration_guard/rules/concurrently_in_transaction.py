"""Rule ``concurrently-in-transaction``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class ConcurrentlyInTransaction(Rule):
    """CREATE/DROP INDEX CONCURRENTLY inside a transaction block.

    What it flags
    -------------
    ``CREATE INDEX CONCURRENTLY`` or ``DROP INDEX CONCURRENTLY`` after a ``BEGIN`` that has
    not been committed. The transaction state comes from the ``BEGIN``/``COMMIT`` lines in
    the rendered SQL: Alembic's offline output opens one around the migrations when the
    dialect has transactional DDL (PostgreSQL does) and ``autocommit_block()`` closes it
    around its contents. When the SQL holds no ``BEGIN`` at all, nothing is assumed and
    nothing is flagged.

    Why it hurts
    ------------
    PostgreSQL refuses it: ``CREATE INDEX CONCURRENTLY cannot run inside a transaction
    block``. The upgrade fails at this statement.

    Do this instead
    ---------------
    Run it in an autocommit block so Alembic commits first::

        with op.get_context().autocommit_block():
            op.create_index("ix_orders_placed_at", "orders", ["placed_at"],
                            postgresql_concurrently=True)
    """

    id = "concurrently-in-transaction"
    severity = "error"
    summary = "CONCURRENTLY index operation inside a transaction block (fails)"
    help = "Wrap the operation in `with op.get_context().autocommit_block():`."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement in migration.statements:
            if not statement.in_transaction:
                continue
            for fact in statement.facts:
                if isinstance(fact, f.CreateIndex) and fact.concurrently:
                    target = f"index on `{fact.table}`"
                elif isinstance(fact, f.DropIndex) and fact.concurrently:
                    target = f"drop of index `{fact.index}`"
                else:
                    continue
                yield Violation(
                    statement,
                    f"Concurrent {target} runs inside a transaction block, which PostgreSQL "
                    "rejects.",
                )
