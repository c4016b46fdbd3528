"""Rule ``upgrade-failed`` (judged from a trace: what PostgreSQL did when the revision ran)."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.traced import at_line


class UpgradeFailed(Rule):
    """A revision's ``upgrade()`` raised when it ran on a throwaway database.

    What it flags
    -------------
    ``migration-guard trace`` brought a throwaway database to the revision's parent (with
    ``--seed``, with rows in its tables) and ran the upgrade: it raised. The finding gives
    PostgreSQL's error and the line of the ``op.`` call that ran the failing statement.

    Why it hurts
    ------------
    The same upgrade fails in deployment, usually half-way through a release.

    Do this instead
    ---------------
    Fix the statement; for a NOT NULL column on a table with rows, add it with a default::

        op.add_column("orders", sa.Column("status", sa.Text(), nullable=False, server_default="new"))
    """

    id = "upgrade-failed"
    severity = "error"
    summary = "upgrade raised on a throwaway database (trace)"
    help = "Fix the failing statement; trace runs it on a database like the one it will meet."
    traced = True

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        run = migration.trace
        if run is None or run.upgrade != "failed":
            return
        yield Violation(
            at_line(run.line, run.sql), f"Upgrade of {run.revision} failed: {run.error}"
        )
