"""Rule ``drop-not-null``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropNotNull(Rule):
    """``DROP NOT NULL`` on an existing column.

    What it flags
    -------------
    ``ALTER TABLE … ALTER COLUMN c DROP NOT NULL`` on a table this migration did not create.
    Opt-in (``enable = ["drop-not-null"]``): on pypi/warehouse's 288 revisions all 12
    findings were deliberate relaxations that old code survives.

    Why it hurts
    ------------
    The code still running assumes the column always has a value: as soon as new code (or
    a backfill) writes NULLs, old readers crash or mis-handle them, and the change is hard
    to undo once NULLs exist.

    Do this instead
    ---------------
    Deploy code that copes with NULL first, then relax the column in its own migration,
    and say so::

        op.alter_column("orders", "note", nullable=True)  # migration-guard: ignore[drop-not-null] readers handle NULL since v42
    """

    id = "drop-not-null"
    severity = "warning"
    summary = "NOT NULL dropped from an existing column (breaks readers assuming values)"
    help = "Ship code that handles NULL before making the column nullable."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.DropNotNull):
            if not migration.is_new_table(fact.table, statement.index):
                yield Violation(
                    statement,
                    f"`{fact.table}.{fact.column}` becomes nullable: code that assumes a value "
                    "breaks on the first NULL.",
                )
