"""Rule ``whole-table-update``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f


class WholeTableUpdate(Rule):
    """``UPDATE`` or ``DELETE`` of every row of an existing table, in the transaction.

    What it flags
    -------------
    ``UPDATE t SET …`` without ``WHERE`` (or ``FROM``), and ``DELETE FROM t`` without
    ``WHERE`` (or ``USING``), on a table this migration did not create, unless a
    ``COMMIT`` showed the statement runs outside the migration's transaction.

    Why it hurts
    ------------
    One statement locks every row of the table and, for an UPDATE, writes a new version of
    each: on a big table that is minutes of blocked writes, a burst of WAL and replication
    lag, and bloat, all held until the migration commits.

    Do this instead
    ---------------
    Backfill in batches, outside the migration's transaction::

        with op.get_context().autocommit_block():
            op.execute("UPDATE orders SET status = 'new' WHERE id BETWEEN 1 AND 10000")
    """

    id = "whole-table-update"
    severity = "warning"
    summary = "UPDATE/DELETE without WHERE on an existing table inside the transaction"
    help = "Backfill in batches (WHERE id BETWEEN …) outside the transaction, or in a job."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        changes: list[tuple[StatementFacts, f.Update | f.Delete]] = [*migration.each(f.Update)]
        changes += migration.each(f.Delete)
        for statement, fact in sorted(changes, key=lambda pair: pair[0].index):
            if statement.in_transaction is False or fact.where:
                continue
            if migration.is_new_table(fact.table, statement.index):
                continue
            verb = "UPDATE" if isinstance(fact, f.Update) else "DELETE"
            yield Violation(
                statement,
                f"{verb} without WHERE touches every row of `{fact.table}`, a table this "
                "migration did not create, and locks them until the migration commits.",
            )
