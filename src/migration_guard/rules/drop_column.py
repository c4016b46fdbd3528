"""Rule ``drop-column``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropColumn(Rule):
    """A column of an existing table is dropped.

    What it flags
    -------------
    ``ALTER TABLE … DROP COLUMN`` on a table this migration did not create. Not flagged: a
    column this migration added earlier (under that name, or added under another and
    renamed), such as a scratch column of a backfill or the new column of a swap; nothing
    outside the migration ever saw its data.

    Why it hurts
    ------------
    The data is gone for good (a downgrade brings back an empty column), and the application
    version still running selects the column by name until it is redeployed: SQLAlchemy
    models list every mapped column in their queries.

    Do this instead
    ---------------
    First release: stop using the column (remove it from the model). Next release: drop it,
    once backed up if the data matters::

        op.drop_column("orders", "legacy_code")

    Then suppress this finding with the reason, e.g. ``unused since release 42``.
    """

    id = "drop-column"
    severity = "warning"
    summary = "column dropped from an existing table (data loss, breaks running code)"
    help = "Remove the column from the code in an earlier release, then drop it."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.DropColumn):
            if not migration.is_new_column(fact.table, fact.column, statement.index):
                yield Violation(
                    statement,
                    f"Column `{fact.table}.{fact.column}` is dropped; its data is lost and "
                    "running code that selects it breaks.",
                )
