"""Rule ``downgrade-not-reversible`` (judged from a trace: what PostgreSQL did when the revision ran)."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.traced import at_line, downgrade_span

MAX_DIFFERENCES_SHOWN = 3


class DowngradeNotReversible(Rule):
    """The schema after upgrade + downgrade differs from the schema before the upgrade.

    What it flags
    -------------
    ``trace`` dumps a normalised catalogue (tables, columns with types, defaults and
    nullability, indexes, constraints, enums, sequences; not column order) before the
    upgrade and after the downgrade; any difference is flagged, naming the first few. A
    revision whose downgrade is intentionally absent says so with
    ``# migration-guard: ignore[downgrade-not-reversible] reason`` at the top of the file, on
    the ``def downgrade`` line or the line above it, or inside ``downgrade()``.

    Why it hurts
    ------------
    A rollback that leaves a column or an index behind makes the next upgrade fail or the
    database drift from what the history says.

    Do this instead
    ---------------
    Drop in ``downgrade()`` everything ``upgrade()`` created::

        def downgrade():
            op.drop_column("orders", "status")
    """

    id = "downgrade-not-reversible"
    severity = "error"
    summary = "downgrade does not restore the schema the upgrade started from (trace)"
    help = "Undo in downgrade() everything upgrade() created or changed."
    traced = True

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        run = migration.trace
        if run is None or run.upgrade == "failed" or run.downgrade != "not-reversible":
            return
        differences = [f"left behind: {line}" for line in run.left_behind]
        differences += [f"not restored: {line}" for line in run.missing]
        shown = "; ".join(differences[:MAX_DIFFERENCES_SHOWN])
        more = len(differences) - MAX_DIFFERENCES_SHOWN
        if more > 0:
            shown += f"; and {more} more"
        # the finding sits on `def downgrade`; a suppression anywhere in the function covers it
        first, last = downgrade_span(migration.source_text) or (1, 1)
        yield Violation(
            at_line(first, end_line=last),
            f"Downgrade of {run.revision} does not restore the schema: {shown}",
        )
