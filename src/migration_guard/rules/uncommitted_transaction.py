"""Rule ``uncommitted-transaction``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class UncommittedTransaction(Rule):
    """A ``BEGIN`` the migration never commits.

    What it flags
    -------------
    A migration whose SQL opens a transaction (``BEGIN``) and ends with it still open: no
    ``COMMIT`` or ``ROLLBACK`` after it, and no later revision of the same SQL file
    continuing it.

    Why it hurts
    ------------
    When the session ends the open transaction is rolled back: everything after the
    ``BEGIN`` silently disappears while the tool that ran the file reports success.

    Do this instead
    ---------------
    Close what you open, or let Alembic manage the transaction::

        op.execute("BEGIN")  # avoid: Alembic already opened one
        op.add_column("orders", sa.Column("note", sa.Text()))
    """

    id = "uncommitted-transaction"
    severity = "error"
    summary = "BEGIN without a matching COMMIT by the end of the migration"
    help = "Add the COMMIT, or drop the BEGIN and let Alembic own the transaction."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.ends_in_transaction:
            return
        opened = None
        for statement, fact in migration.each(f.Transaction):
            opened = statement if fact.action == "begin" else None
        if opened is not None:
            yield Violation(
                opened,
                "This BEGIN is never committed: the session's end rolls back everything after it.",
            )
