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
    flagged: a column this migration added earlier, as in a column swap (add ``name_new``,
    copy, drop ``name``, rename ``name_new`` to ``name``): no running code knows the
    column's first name, and the name it takes is the one running code already uses. The
    drop of the old column is still reported by ``drop-column``, and renaming the old
    column away (``name`` to ``name_old``) is still flagged here.

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
            if not migration.is_new_column(fact.table, fact.column, statement.index):
                yield Violation(
                    statement,
                    f"Column `{fact.table}.{fact.column}` is renamed to `{fact.new_name}`; "
                    "code still using the old name breaks.",
                )
