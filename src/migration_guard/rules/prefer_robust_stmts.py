"""Rule ``prefer-robust-stmts``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f

_GUARDABLE = (
    f.CreateTable,
    f.CreateIndex,
    f.AddColumn,
    f.DropTable,
    f.DropIndex,
    f.DropColumn,
    f.DropConstraint,
)
_DROPS = (f.DropTable, f.DropIndex, f.DropColumn, f.DropConstraint)


class PreferRobustStmts(Rule):
    """A statement outside a transaction that cannot be re-run (opt-in).

    What it flags
    -------------
    ``CREATE TABLE``/``CREATE INDEX``/``ADD COLUMN`` without ``IF NOT EXISTS`` and
    ``DROP TABLE``/``DROP INDEX``/``DROP COLUMN``/``DROP CONSTRAINT`` without ``IF
    EXISTS``, when the statement does not run inside a transaction (after a ``COMMIT``, as
    in an ``autocommit_block()``, or in SQL with no ``BEGIN``). Opt-in:
    ``enable = ["prefer-robust-stmts"]``.

    Why it hurts
    ------------
    Outside a transaction nothing is rolled back when a later statement fails: the first
    statements stay applied, Alembic's version is not bumped, and the re-run fails on
    "already exists". A failed ``CREATE INDEX CONCURRENTLY`` also leaves an invalid
    index behind.

    Do this instead
    ---------------
    Make the statements idempotent::

        with op.get_context().autocommit_block():
            op.create_index("ix_orders_customer_id", "orders", ["customer_id"],
                            postgresql_concurrently=True, if_not_exists=True)
    """

    id = "prefer-robust-stmts"
    severity = "warning"
    summary = "non-idempotent DDL outside a transaction (no IF [NOT] EXISTS)"
    help = "Add IF NOT EXISTS / IF EXISTS (if_not_exists=True / if_exists=True in op.*)."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement in migration.statements:
            if statement.in_transaction:
                continue
            for fact in statement.facts:
                if isinstance(fact, _GUARDABLE) and not fact.guarded:
                    clause = "IF EXISTS" if isinstance(fact, _DROPS) else "IF NOT EXISTS"
                    yield Violation(
                        statement,
                        f"Runs outside a transaction without {clause}: if the migration fails "
                        "after it, re-running it fails here.",
                    )
                    break
