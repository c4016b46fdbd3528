"""Rule ``transaction-nesting``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class TransactionNesting(Rule):
    """``BEGIN`` inside an open transaction, or ``COMMIT`` with none open.

    What it flags
    -------------
    A ``BEGIN`` / ``START TRANSACTION`` while a transaction is already open (Alembic's own,
    or an earlier ``BEGIN``), and a ``COMMIT`` / ``ROLLBACK`` after the transaction was
    already ended, where the SQL shows both.

    Why it hurts
    ------------
    PostgreSQL has no nested transactions: the inner ``BEGIN`` is ignored with a warning
    and the inner ``COMMIT`` commits the migration's transaction half way, so a failure
    after it leaves a half-applied migration that Alembic believes never ran.

    Do this instead
    ---------------
    Let Alembic own the transaction; for work that must run outside it::

        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
    """

    id = "transaction-nesting"
    severity = "warning"
    summary = "BEGIN inside an open transaction, or COMMIT with none open"
    help = "Remove the explicit BEGIN/COMMIT; use op.get_context().autocommit_block()."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.Transaction):
            if fact.action == "begin" and statement.in_transaction is True:
                yield Violation(
                    statement,
                    "BEGIN while a transaction is already open: PostgreSQL ignores it, and "
                    "the next COMMIT ends the outer transaction.",
                )
            elif fact.action != "begin" and statement.in_transaction is False:
                yield Violation(
                    statement,
                    f"{fact.action.upper()} with no transaction open: an earlier statement "
                    "already ended it.",
                )
