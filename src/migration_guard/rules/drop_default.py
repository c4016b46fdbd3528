"""Rule ``drop-default``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropDefault(Rule):
    """``DROP DEFAULT`` on an existing column.

    What it flags
    -------------
    ``ALTER TABLE … ALTER COLUMN c DROP DEFAULT`` on a table this migration did not create
    (``op.alter_column(..., server_default=None)``). Not flagged when nothing can have relied
    on the default: a column this migration added (the usual add with a ``server_default``
    to fill existing rows, then drop it), a default this migration set earlier on that
    column (set for a backfill, then dropped), or a column that has no default to lose: the
    earlier migrations created it without one and never set one (``alter_column(...,
    server_default=None)`` written out of habit). A column no earlier migration is known to
    have created (made outside the history, or by a revision that could not be read) is
    flagged.

    Why it hurts
    ------------
    Code still running may insert rows without the column, relying on the default: after
    the drop those inserts store NULL, or fail if the column is NOT NULL.

    Do this instead
    ---------------
    Make every writer set the column first; then drop the default in a later release::

        op.alter_column("orders", "status", server_default=None)
    """

    id = "drop-default"
    severity = "warning"
    summary = "default dropped from an existing column (inserts relying on it break)"
    help = "Drop the default only after every writer sets the column itself."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        set_here: list[tuple[int, f.Name, str]] = []  # defaults this migration set
        for statement, fact in migration.each(f.SetDefault):
            if fact.default is not None:
                set_here.append((statement.index, fact.table, fact.column))
                continue
            if migration.is_new_column(fact.table, fact.column, statement.index):
                continue
            if migration.history.has_default(fact.table, fact.column) is False:
                continue  # it has none to lose
            if any(
                index < statement.index and column == fact.column and table.same_as(fact.table)
                for index, table, column in set_here
            ):
                continue
            yield Violation(
                statement,
                f"`{fact.table}.{fact.column}` loses its default: inserts that omit it "
                "now store NULL or fail.",
            )
