"""Rule ``not-null-without-default``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class NotNullWithoutDefault(Rule):
    """A NOT NULL column added to an existing table without a default.

    What it flags
    -------------
    ``ALTER TABLE … ADD COLUMN … NOT NULL`` with no ``DEFAULT`` (or ``DEFAULT NULL``) on a
    table this migration did not create. Identity, generated and serial columns fill
    themselves and are not flagged; neither is a NOT NULL column of a table created earlier
    in the same migration.

    Why it hurts
    ------------
    PostgreSQL has to give every existing row a value. With no default that value is NULL,
    which the constraint forbids, so ``alembic upgrade`` fails on any table that has rows,
    usually in production and not on an empty development database.

    Do this instead
    ---------------
    Give the column a server default (cheap since PostgreSQL 11), or add it nullable,
    backfill, then make it NOT NULL in a later migration::

        op.add_column(
            "orders",
            sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        )
    """

    id = "not-null-without-default"
    severity = "error"
    summary = "NOT NULL column added to an existing table without a default"
    help = (
        "Add a server_default, or add the column nullable, backfill it, and set NOT NULL "
        "in a later migration."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.AddColumn):
            column = fact.column
            if not column.not_null or column.default is not None or column.fills_itself:
                continue
            if migration.is_new_table(fact.table, statement.index):
                continue
            yield Violation(
                statement,
                f"Column `{fact.table}.{column.name}` is added as NOT NULL without a default, "
                "so the migration fails on a table with rows.",
            )
