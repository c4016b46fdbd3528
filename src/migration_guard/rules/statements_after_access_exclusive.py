"""Rule ``statements-after-access-exclusive``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.locks import ACCESS_EXCLUSIVE, is_slow, table_locks
from migration_guard.sql import facts as f


class StatementsAfterAccessExclusive(Rule):
    """Slow work while the transaction holds an ACCESS EXCLUSIVE lock.

    What it flags
    -------------
    A statement that scans, rewrites or writes a table (an index build, a validating
    constraint, a type change, ``SET NOT NULL``, ``UPDATE``/``DELETE``/``INSERT``, …) after
    an earlier statement of the same transaction took ACCESS EXCLUSIVE on an existing table
    (most ``ALTER TABLE`` forms, ``DROP``, ``TRUNCATE``, ``LOCK``). Only where a ``BEGIN``
    shows the transaction. Opt-in (``enable = ["statements-after-access-exclusive"]``): on
    real histories it mostly repeats statements other rules already flag.

    Why it hurts
    ------------
    Locks are held until the transaction ends. A quick ``ALTER TABLE`` that takes ACCESS
    EXCLUSIVE blocks even reads of its table, and every slow statement after it extends
    that outage by its whole run time.

    Do this instead
    ---------------
    Do the slow work first, or commit before it, so the strong lock is held briefly::

        op.create_index("ix_orders_note", "orders", ["note"], postgresql_concurrently=True)
        # in its own migration, or after a commit:
        op.alter_column("orders", "note", new_column_name="remark")
    """

    id = "statements-after-access-exclusive"
    severity = "warning"
    summary = "slow statement run while an ACCESS EXCLUSIVE lock is held"
    help = "Move the slow work before the ACCESS EXCLUSIVE statement or into its own transaction."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        holding: f.Name | None = None  # first existing table locked ACCESS EXCLUSIVE
        for statement in migration.statements:
            slow = False
            for fact in statement.facts:
                if isinstance(fact, f.Transaction):
                    holding = None
                elif holding is not None and is_slow(fact):
                    slow = True
            if slow and holding is not None and statement.in_transaction:
                yield Violation(
                    statement,
                    f"Runs while the transaction holds ACCESS EXCLUSIVE on `{holding}` (taken "
                    "earlier), blocking its reads and writes for as long as this takes.",
                )
            if holding is None and statement.in_transaction:
                holding = _strongly_locked(migration, statement.index, statement.facts)


def _strongly_locked(
    migration: MigrationFacts, index: int, facts: tuple[f.Fact, ...]
) -> f.Name | None:
    for fact in facts:
        for table, mode in table_locks(fact):
            if mode == ACCESS_EXCLUSIVE and not migration.is_new_table(table, index + 1):
                if isinstance(fact, f.DropTable):
                    continue  # nobody waits for a table that is gone
                return table
    return None
