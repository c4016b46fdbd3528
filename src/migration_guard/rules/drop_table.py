"""Rule ``drop-table``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropTable(Rule):
    """An existing table is dropped.

    What it flags
    -------------
    ``DROP TABLE`` of a table this migration did not create.

    Why it hurts
    ------------
    Every row is gone for good (a downgrade recreates an empty table) and running code that
    still reads the table fails.

    Do this instead
    ---------------
    Stop using the table in one release, back it up if needed, and drop it in a later one::

        op.drop_table("legacy_sessions")

    Then suppress this finding with the reason, e.g. ``unused since release 42``.
    """

    id = "drop-table"
    severity = "warning"
    summary = "existing table dropped (data loss, breaks running code)"
    help = "Remove all use of the table in an earlier release, then drop it."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.DropTable):
            if not migration.is_new_table(fact.table, statement.index):
                yield Violation(
                    statement,
                    f"Table `{fact.table}` is dropped; its rows are lost and running code "
                    "that uses it breaks.",
                )
