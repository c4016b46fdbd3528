"""Rule ``rename-column``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class RenameColumn(Rule):
    """A column of an existing table is renamed.

    What it flags
    -------------
    ``ALTER TABLE … RENAME COLUMN a TO b`` on a table this migration did not create. Not
    flagged, the two halves of a column swap (add ``name_new``, copy, rename ``name`` to
    ``name_old``, rename ``name_new`` to ``name``): a column this migration added earlier
    (no running code knows its first name, and the name it takes is one running code
    already uses), and a column renamed away whose name a later statement of the same
    migration gives back to the table (renaming another column to it, or adding one under
    it): the name running code uses still exists when the migration commits. The drop of
    the old column is still reported by ``drop-column``.

    Why it hurts
    ------------
    The rename is instant, but the application version still running during and after the
    deploy queries the old name and fails until every instance runs the new code.

    Do this instead
    ---------------
    Expand and contract: add the new column, write both, backfill, move readers, then drop
    the old column in a later release::

        op.add_column("users", sa.Column("display_name", sa.Text()))
        op.execute("UPDATE users SET display_name = name")
        # later release, once nothing reads users.name:
        op.drop_column("users", "name")
    """

    id = "rename-column"
    severity = "warning"
    summary = "column renamed on an existing table (breaks running code)"
    help = "Add the new column, copy and dual-write, then drop the old one in a later release."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.RenameColumn):
            if migration.is_new_column(fact.table, fact.column, statement.index):
                continue
            if _name_given_back(migration, fact, statement.index):
                continue  # swapped: the old name is back before the migration commits
            yield Violation(
                statement,
                f"Column `{fact.table}.{fact.column}` is renamed to `{fact.new_name}`; "
                "code still using the old name breaks.",
            )


def _name_given_back(migration: MigrationFacts, renamed: f.RenameColumn, after: int) -> bool:
    """True when a statement after ``after`` gives ``renamed.table`` a column named
    ``renamed.column`` again (renames another column to it, or adds one)."""
    if any(
        statement.index > after
        and fact.table.same_as(renamed.table)
        and fact.new_name == renamed.column
        for statement, fact in migration.each(f.RenameColumn)
    ):
        return True
    return any(
        statement.index > after
        and fact.table.same_as(renamed.table)
        and fact.column.name == renamed.column
        for statement, fact in migration.each(f.AddColumn)
    )
