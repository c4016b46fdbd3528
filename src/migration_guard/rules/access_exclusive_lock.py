"""Rule ``access-exclusive-lock`` (judged from a trace: what PostgreSQL did when the revision ran)."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.traced import EXCLUSIVE, executed


class AccessExclusiveLockHeld(Rule):
    """An AccessExclusiveLock on an existing relation is held while other statements run.

    What it flags
    -------------
    Observed in ``pg_locks``: a statement takes an AccessExclusiveLock on a table (or
    index) that existed before the migration, and later statements of other ``op.`` calls
    run in the same transaction while it is still held.

    Why it hurts
    ------------
    Every query on that table waits until the transaction commits, so the time of every
    later statement (a backfill, an index build) is added to the outage.

    Do this instead
    ---------------
    Put the locking operation in its own revision (or commit first) and keep it short::

        with op.get_context().autocommit_block():
            op.execute("ALTER TABLE orders ALTER COLUMN note TYPE text")
    """

    id = "access-exclusive-lock"
    severity = "warning"
    summary = "AccessExclusiveLock held across other statements (trace)"
    help = "Move the locking statement into its own short transaction or revision."
    traced = True

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.trace is None:
            return
        statements = migration.trace.statements
        reported: set[str] = set()
        held_before: set[str] = set()
        for index, statement in enumerate(statements):
            if not statement.in_transaction:
                held_before = set()  # outside a transaction its locks ended with it (sampled)
                continue
            exclusive = {lock.relation for lock in statement.locks if lock.mode == EXCLUSIVE}
            for relation in sorted(exclusive - held_before - reported):
                later = []
                for following in statements[index + 1 :]:
                    still = following.in_transaction and any(
                        lock.relation == relation and lock.mode == EXCLUSIVE
                        for lock in following.locks
                    )
                    if not still:
                        break
                    if following.line != statement.line:
                        later.append(following)
                if later:
                    reported.add(relation)
                    yield Violation(
                        executed(statement, index),
                        f"AccessExclusiveLock on `{relation}` is held while {len(later)} more "
                        f"statement(s) run (through line {later[-1].line}).",
                    )
            held_before = exclusive
