"""Rule ``unbounded-update``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f

# The conventional primary key: a WHERE holding it to literals touches that many rows.
_CONVENTIONAL_KEYS = frozenset({"id"})


class UnboundedUpdate(Rule):
    """``UPDATE`` or ``DELETE … WHERE`` on an existing table whose WHERE does not pin rows by key.

    What it flags
    -------------
    ``UPDATE t … WHERE …`` (or ``… FROM`` another table) and ``DELETE FROM t … WHERE …`` (or
    ``USING``) on a table this migration did not create, inside the migration's transaction
    (not after a ``COMMIT`` that ended it), unless one of the WHERE's AND-ed terms holds a key
    column to literals: ``id = 5``, ``t.id IN (1, 2)``, or a column an earlier or this
    migration made the primary key or unique on its own. How many rows any other WHERE
    matches depends on the data, which a linter cannot see: the finding says so, and the
    rule is opt-in. ``UPDATE``/``DELETE`` without any WHERE is ``whole-table-update``'s.

    Why it hurts
    ------------
    A backfill such as ``UPDATE orders SET status = 'new' WHERE status IS NULL`` may match
    most of a big table: each row it changes stays locked against writers until the
    migration commits, the DDL locks taken before it are held for as long as it runs, and
    one transaction writes all the WAL at once.

    Do this instead
    ---------------
    Backfill in batches of keys, outside the migration's transaction, or in a job::

        with op.get_context().autocommit_block():
            for start in range(0, last_id, 10_000):
                op.execute(
                    f"UPDATE orders SET status = 'new' WHERE status IS NULL "
                    f"AND id >= {start} AND id < {start + 10_000}"
                )
    """

    id = "unbounded-update"
    severity = "warning"
    summary = "UPDATE/DELETE … WHERE not pinned by key on an existing table, in the transaction"
    help = "Batch it by key ranges outside the transaction (autocommit_block), or run it as a job."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        changes: list[tuple[StatementFacts, f.Update | f.Delete]] = [*migration.each(f.Update)]
        changes += migration.each(f.Delete)
        for statement, fact in sorted(changes, key=lambda pair: pair[0].index):
            if statement.in_transaction is False or not fact.where:
                continue  # no WHERE: whole-table-update's
            if migration.is_new_table(fact.table, statement.index):
                continue
            if set(fact.pinned) & key_columns(migration, fact.table, statement.index):
                continue
            verb = "UPDATE" if isinstance(fact, f.Update) else "DELETE"
            yield Violation(
                statement,
                f"{verb} on `{fact.table}` (a table this migration did not create) inside the "
                "migration's transaction: its WHERE does not pin rows by key, so it may touch "
                "most of the table and keep them locked until the migration commits.",
            )


def key_columns(migration: MigrationFacts, table: f.Name, before: int) -> set[str]:
    """Columns known to be ``table``'s primary key or unique on their own: ``id``, and those
    declared so by an earlier migration or by this one before statement ``before``."""
    keys = set(_CONVENTIONAL_KEYS) | migration.history.key_columns(table)
    for statement in migration.statements[:before]:
        for fact in statement.facts:
            if isinstance(fact, f.AddConstraint) and fact.table.same_as(table):
                constraint = fact.constraint
                if constraint.kind in ("primary-key", "unique") and len(constraint.columns) == 1:
                    keys.add(constraint.columns[0])
    return keys
