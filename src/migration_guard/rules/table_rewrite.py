"""Rule ``table-rewrite`` (judged from a trace: what PostgreSQL did when the revision ran)."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.traced import EXCLUSIVE, executed


class TableRewrite(Rule):
    """A statement rewrote an existing table (its ``relfilenode`` changed).

    What it flags
    -------------
    Observed, not guessed: ``trace`` compares ``pg_class.relfilenode`` of every table that
    existed before the migration before and after each statement. A new relfilenode means
    PostgreSQL copied the whole table (and rebuilt its indexes), under an
    AccessExclusiveLock: ``INTEGER`` to ``BIGINT``, a volatile default, ``SET DATA TYPE``
    with ``USING``. ``VARCHAR`` to ``TEXT`` or a constant default are not flagged because
    they are not rewrites. Where both apply it replaces the static guesses of
    ``column-type-change`` and ``volatile-default``.

    Why it hurts
    ------------
    No reads or writes on the table until the copy is done: minutes on a large table.

    Do this instead
    ---------------
    Add a new column, backfill it in batches, switch the code, drop the old column::

        op.add_column("orders", sa.Column("total_big", sa.BigInteger()))
    """

    id = "table-rewrite"
    severity = "warning"
    summary = "table rewritten under an AccessExclusiveLock (trace)"
    help = "Add a new column and backfill it in batches instead of rewriting the table."
    traced = True

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.trace is None:
            return
        for index, statement in enumerate(migration.trace.statements):
            exclusive = {lock.relation for lock in statement.locks if lock.mode == EXCLUSIVE}
            for table in statement.rewrites:
                held = " under an AccessExclusiveLock" if table in exclusive else ""
                yield Violation(
                    executed(statement, index),
                    f"Table `{table}` was rewritten{held} (its relfilenode changed).",
                )
