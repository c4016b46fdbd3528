"""Rule ``detach-partition-not-concurrent``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f

CONCURRENT_DETACH_SINCE = 14


class DetachPartitionNotConcurrent(Rule):
    """``DETACH PARTITION`` without ``CONCURRENTLY``.

    What it flags
    -------------
    ``ALTER TABLE parent DETACH PARTITION child`` without ``CONCURRENTLY`` (or
    ``FINALIZE``), when ``pg_version`` is 14 or newer (the concurrent form is new in 14).

    Why it hurts
    ------------
    The plain form takes ACCESS EXCLUSIVE on the parent: every query on the partitioned
    table, on any partition, waits until it is done.

    Do this instead
    ---------------
    Detach concurrently, outside a transaction block::

        with op.get_context().autocommit_block():
            op.execute("ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY")
    """

    id = "detach-partition-not-concurrent"
    severity = "warning"
    summary = "DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+)"
    help = "Use DETACH PARTITION … CONCURRENTLY inside op.get_context().autocommit_block()."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.settings.pg_version < CONCURRENT_DETACH_SINCE:
            return
        for statement, fact in migration.each(f.DetachPartition):
            if fact.concurrently or migration.is_new_table(fact.table, statement.index):
                continue
            yield Violation(
                statement,
                f"Detaching `{fact.partition}` from `{fact.table}` without CONCURRENTLY locks "
                "the whole partitioned table.",
            )
