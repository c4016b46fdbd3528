"""Rule ``drop-constraint``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropConstraint(Rule):
    """A constraint dropped from an existing table and not put back.

    What it flags
    -------------
    ``ALTER TABLE … DROP CONSTRAINT c`` on a table this migration did not create, unless
    the same migration adds a constraint to that table again: the drop-and-recreate of a
    changed definition (autogenerate re-creates a foreign key under a new name), or drops
    a column of that table whose name is part of the constraint's (``orders_note_check``
    goes with ``note``; ``drop-column`` reports that).

    Why it hurts
    ------------
    The guarantee goes at once: duplicates, orphans or out-of-range values can be written
    from then on, and putting the constraint back later needs a scan (and a clean-up) of
    whatever got in. Dropping takes ACCESS EXCLUSIVE too.

    Do this instead
    ---------------
    Drop constraints only deliberately, with a reason on the line::

        op.drop_constraint("uq_users_email", "users")  # migration-guard: ignore[drop-constraint] emails may repeat since tenants
    """

    id = "drop-constraint"
    severity = "warning"
    summary = "constraint dropped from an existing table (its guarantee is gone)"
    help = "Keep the constraint, or suppress with the reason it may go."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        re_added = [fact.table for _, fact in migration.each(f.AddConstraint)]
        dropped_columns: dict[str, list[str]] = {}
        for _, dropped in migration.each(f.DropColumn):
            dropped_columns.setdefault(dropped.table.name, []).append(dropped.column)
        for statement, fact in migration.each(f.DropConstraint):
            if migration.is_new_table(fact.table, statement.index):
                continue
            if any(table.same_as(fact.table) for table in re_added):
                continue
            if any(column in fact.name for column in dropped_columns.get(fact.table.name, ())):
                continue  # its column goes too (drop-column reports that)
            yield Violation(
                statement,
                f"Constraint `{fact.name}` is dropped from `{fact.table}` and none is added back: "
                "rows it kept out can now be written.",
            )
