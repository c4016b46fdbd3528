"""Rule ``rename-table``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class RenameTable(Rule):
    """An existing table is renamed.

    What it flags
    -------------
    ``ALTER TABLE a RENAME TO b`` on a table this migration did not create.

    Why it hurts
    ------------
    Running code keeps querying the old name and fails until every instance is redeployed;
    views, functions and grants that name the table by text break as well.

    Do this instead
    ---------------
    Create the new table (or a view with the new name over the old one), move readers and
    writers over, then drop the old name in a later release::

        op.execute("CREATE VIEW customers AS SELECT * FROM clients")
    """

    id = "rename-table"
    severity = "warning"
    summary = "existing table renamed (breaks running code)"
    help = "Bridge the rename with a view or a copy, and drop the old name in a later release."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.RenameTable):
            if not migration.is_new_table(fact.table, statement.index):
                yield Violation(
                    statement,
                    f"Table `{fact.table}` is renamed to `{fact.new_name}`; code still using "
                    "the old name breaks.",
                )
