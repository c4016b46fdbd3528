"""Rule ``require-lock-timeout``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.timeouts import first_unguarded


class RequireLockTimeout(Rule):
    """Lock-taking DDL on an existing table with no ``lock_timeout`` set first (opt-in).

    What it flags
    -------------
    The first statement of a migration that locks a table the migration did not create
    (``ALTER TABLE``, ``CREATE INDEX``, ``DROP``, ``TRUNCATE``, ``LOCK``, …) when no
    ``SET lock_timeout`` (or ``SET LOCAL lock_timeout`` in the same transaction) comes
    before it. Opt-in: switch it on with ``enable = ["require-lock-timeout"]``.

    Why it hurts
    ------------
    A lock request waits behind every transaction holding a conflicting lock, and while it
    waits every later query on the table queues behind it: one slow report holding a read
    lock turns a millisecond ``ALTER TABLE`` into an outage. With ``lock_timeout`` the
    migration gives up instead and can be retried.

    Do this instead
    ---------------
    Set a short lock timeout at the start of the migration::

        def upgrade():
            op.execute("SET LOCAL lock_timeout = '2s'")
            op.add_column("orders", sa.Column("note", sa.Text()))
    """

    id = "require-lock-timeout"
    severity = "warning"
    summary = "lock-taking DDL on an existing table without SET lock_timeout first"
    help = "Start the migration with op.execute(\"SET LOCAL lock_timeout = '2s'\")."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        found = first_unguarded(migration, "lock_timeout", slow_only=False)
        if found is not None:
            statement, table = found
            yield Violation(
                statement,
                f"Locks existing table `{table}` with no `lock_timeout` set, so a long "
                "wait for the lock blocks every query behind it.",
            )
