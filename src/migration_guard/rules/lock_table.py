"""Rule ``lock-table``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class LockTable(Rule):
    """An explicit ``LOCK TABLE`` on an existing table.

    What it flags
    -------------
    ``LOCK [TABLE] t [IN … MODE]`` on a table this migration did not create.

    Why it hurts
    ------------
    The lock (ACCESS EXCLUSIVE unless a mode is given) is held until the migration's
    transaction ends, so everything the migration does afterwards runs with the table
    blocked, and the request itself queues every later query while it waits.

    Do this instead
    ---------------
    Let each statement take the lock it needs, with a lock timeout::

        op.execute("SET LOCAL lock_timeout = '2s'")
        op.add_column("orders", sa.Column("note", sa.Text()))
    """

    id = "lock-table"
    severity = "warning"
    summary = "explicit LOCK TABLE held until the transaction ends"
    help = "Drop the explicit LOCK; set lock_timeout and keep the transaction short."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.LockTable):
            for table in fact.tables:
                if not migration.is_new_table(table, statement.index):
                    yield Violation(
                        statement,
                        f"LOCK TABLE `{table}` holds {fact.mode} until the transaction ends.",
                    )
