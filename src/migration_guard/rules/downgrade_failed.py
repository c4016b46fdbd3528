"""Rule ``downgrade-failed`` (judged from a trace: what PostgreSQL did when the revision ran)."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.traced import at_line


class DowngradeFailed(Rule):
    """A revision's ``downgrade()`` raised right after its upgrade.

    What it flags
    -------------
    ``trace`` upgraded the revision, then ran its downgrade: it raised (the finding gives the
    error and the line).

    Why it hurts
    ------------
    A rollback is what you reach for when a release goes wrong; that is the worst moment to
    find out it does not work.

    Do this instead
    ---------------
    Undo exactly what ``upgrade()`` did, in reverse order::

        def downgrade():
            op.drop_index("ix_orders_status", table_name="orders")
            op.drop_column("orders", "status")
    """

    id = "downgrade-failed"
    severity = "error"
    summary = "downgrade raised right after the upgrade (trace)"
    help = "Make downgrade() undo upgrade() in reverse order."
    traced = True

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        run = migration.trace
        if run is None or run.upgrade == "failed" or run.downgrade != "failed":
            return
        yield Violation(
            at_line(run.line, run.sql),
            f"Downgrade of {run.revision} failed right after its upgrade: {run.error}",
        )
