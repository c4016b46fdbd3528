"""Rule ``reindex-not-concurrent``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f

CONCURRENT_REINDEX_SINCE = 12


class ReindexNotConcurrent(Rule):
    """``REINDEX`` without ``CONCURRENTLY``.

    What it flags
    -------------
    ``REINDEX INDEX | TABLE | SCHEMA | DATABASE`` without ``CONCURRENTLY`` (or the
    ``(CONCURRENTLY)`` option), when ``pg_version`` is 12 or newer: older servers have no
    concurrent form, so there is nothing better to suggest.

    Why it hurts
    ------------
    A plain ``REINDEX`` locks out writes to the table (and, for an index, reads that would
    use it) until every index is rebuilt.

    Do this instead
    ---------------
    Rebuild concurrently, outside the migration's transaction::

        with op.get_context().autocommit_block():
            op.execute("REINDEX INDEX CONCURRENTLY ix_orders_customer_id")
    """

    id = "reindex-not-concurrent"
    severity = "warning"
    summary = "REINDEX without CONCURRENTLY (PostgreSQL 12+)"
    help = "Use REINDEX … CONCURRENTLY inside op.get_context().autocommit_block()."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.settings.pg_version < CONCURRENT_REINDEX_SINCE:
            return
        for statement, fact in migration.each(f.Reindex):
            if fact.concurrently or fact.target == "system":
                continue
            target = f" `{fact.name}`" if fact.name else ""
            yield Violation(
                statement,
                f"REINDEX {fact.target.upper()}{target} without CONCURRENTLY blocks writes "
                "until the rebuild ends.",
            )
