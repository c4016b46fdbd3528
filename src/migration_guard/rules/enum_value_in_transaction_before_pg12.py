"""Rule ``enum-value-in-transaction-before-pg12``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f

ADD_VALUE_IN_TRANSACTION_SINCE = 12


class EnumValueInTransactionBeforePg12(Rule):
    """``ALTER TYPE … ADD VALUE`` inside a transaction on PostgreSQL 10 or 11.

    What it flags
    -------------
    ``ALTER TYPE … ADD VALUE`` inside a transaction block (Alembic's, or a ``BEGIN``) when
    ``pg_version`` is below 12.

    Why it hurts
    ------------
    Before PostgreSQL 12, ``ADD VALUE`` "cannot run inside a transaction block": the
    migration fails when it reaches the statement, on every environment.

    Do this instead
    ---------------
    Run it outside Alembic's transaction::

        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
    """

    id = "enum-value-in-transaction-before-pg12"
    severity = "error"
    summary = "ALTER TYPE … ADD VALUE inside a transaction (fails before PostgreSQL 12)"
    help = "Run ADD VALUE inside op.get_context().autocommit_block()."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.settings.pg_version >= ADD_VALUE_IN_TRANSACTION_SINCE:
            return
        for statement, fact in migration.each(f.AddEnumValue):
            if statement.in_transaction:
                yield Violation(
                    statement,
                    f"Adding `{fact.value}` to `{fact.type}` inside a transaction fails on "
                    f"PostgreSQL {migration.settings.pg_version}.",
                )
