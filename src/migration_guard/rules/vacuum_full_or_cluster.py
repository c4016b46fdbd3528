"""Rule ``vacuum-full-or-cluster``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class VacuumFullOrCluster(Rule):
    """``VACUUM FULL`` or ``CLUSTER`` in a migration.

    What it flags
    -------------
    ``VACUUM FULL`` (also ``VACUUM (FULL)``) and ``CLUSTER``, on named tables or the whole
    database.

    Why it hurts
    ------------
    Both rewrite the table under ACCESS EXCLUSIVE: no reads, no writes until the copy is
    done, and the disk needs room for a second copy. ``VACUUM`` also cannot run inside
    the transaction Alembic opens.

    Do this instead
    ---------------
    Reclaim space online with pg_repack (or pg_squeeze) outside migrations; if the
    migration must vacuum, a plain one does not block::

        with op.get_context().autocommit_block():
            op.execute("VACUUM (ANALYZE) orders")
    """

    id = "vacuum-full-or-cluster"
    severity = "warning"
    summary = "VACUUM FULL / CLUSTER rewrite the table under ACCESS EXCLUSIVE"
    help = "Use pg_repack outside the migration, or a plain VACUUM."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.RewritingMaintenance):
            tables = ", ".join(f"`{table}`" for table in fact.tables) or "every table"
            yield Violation(
                statement,
                f"{fact.command.upper()} rewrites {tables} under ACCESS EXCLUSIVE.",
            )
