"""Rule ``not-postgresql``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class NotPostgresql(Rule):
    """A statement written for another database (MySQL, SQL Server), not PostgreSQL.

    What it flags
    -------------
    SQL with an unmistakable mark of another database, each a syntax error in PostgreSQL:
    backtick- or bracket-quoted identifiers, ``ALTER TABLE … DROP PRIMARY KEY`` / ``DROP
    FOREIGN KEY`` / ``ADD UNIQUE KEY`` / ``MODIFY``, ``ENGINE=`` table options,
    ``AUTO_INCREMENT``, ``DROP INDEX … ON table``, ``UPDATE … JOIN``, ``INSERT … SET``.

    Why it hurts
    ------------
    PostgreSQL refuses the statement, so the migration fails when deployed (often behind a
    ``if dialect == "mysql"`` branch the offline render took by mistake, or copied from a
    MySQL project). Such a statement is not read further: read as PostgreSQL it would be
    misread (``DROP PRIMARY KEY`` as dropping a column named ``primary``), so no other rule
    judges it, and this finding says so instead.

    Do this instead
    ---------------
    Write the PostgreSQL form, preferably through Alembic's operations, which render each
    database's own SQL::

        op.drop_constraint("orders_pkey", "orders", type_="primary")
        op.create_unique_constraint("uq_orders_code", "orders", ["code"])

    When the revision really targets several databases, branch on the dialect the migration
    runs with (``op.get_context().dialect.name``) so PostgreSQL never sees the other SQL.
    """

    id = "not-postgresql"
    severity = "error"
    summary = "SQL written for another database: PostgreSQL refuses it, no rule reads it"
    help = "Write the PostgreSQL form (or an Alembic op that renders it); keep other dialects' SQL behind a dialect check."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.NotPostgresql):
            yield Violation(
                statement,
                f"This statement is not PostgreSQL ({fact.reason}): PostgreSQL refuses it, "
                "and no other rule judges it.",
            )
