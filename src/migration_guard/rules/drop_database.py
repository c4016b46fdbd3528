"""Rule ``drop-database``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropDatabase(Rule):
    """``DROP DATABASE`` in a migration.

    What it flags
    -------------
    Any ``DROP DATABASE``.

    Why it hurts
    ------------
    A migration runs against every environment, production included; dropping a database
    there is unrecoverable without a backup.

    Do this instead
    ---------------
    Keep database lifecycle out of migrations (provisioning scripts); migrations change
    schema objects::

        op.drop_table("legacy_reports")
    """

    id = "drop-database"
    severity = "error"
    summary = "DROP DATABASE in a migration"
    help = "Remove DROP DATABASE from the migration; manage databases outside Alembic."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.Other):
            if fact.kind == "drop database":
                yield Violation(statement, "DROP DATABASE in a migration destroys all its data.")
