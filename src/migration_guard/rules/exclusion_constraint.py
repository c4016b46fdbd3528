"""Rule ``exclusion-constraint``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class ExclusionConstraint(Rule):
    """An exclusion constraint added to an existing table.

    What it flags
    -------------
    ``ALTER TABLE … ADD [CONSTRAINT c] EXCLUDE …`` on a table this migration did not create.

    Why it hurts
    ------------
    The constraint's index is built, and every row checked, under ACCESS EXCLUSIVE; unlike
    a foreign key or CHECK it cannot be added ``NOT VALID``, and unlike UNIQUE it cannot
    reuse an index built concurrently. Reads and writes wait for the whole build.

    Do this instead
    ---------------
    Create it with the table, or add it in a quiet window with a lock timeout::

        op.execute("SET LOCAL lock_timeout = '2s'")
        op.create_exclude_constraint("ex_booking_room_during", "booking",
                                     ("room_id", "="), ("during", "&&"), using="gist")
    """

    id = "exclusion-constraint"
    severity = "warning"
    summary = "exclusion constraint added to an existing table (built under ACCESS EXCLUSIVE)"
    help = "Add exclusion constraints when the table is created, or in a maintenance window."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.AddConstraint):
            if fact.constraint.kind != "exclude":
                continue
            if migration.is_new_table(fact.table, statement.index):
                continue
            name = f" `{fact.constraint.name}`" if fact.constraint.name else ""
            yield Violation(
                statement,
                f"Exclusion constraint{name} on existing table `{fact.table}` is built "
                "under ACCESS EXCLUSIVE, blocking reads and writes.",
            )
