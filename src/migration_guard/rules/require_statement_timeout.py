"""Rule ``require-statement-timeout``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.timeouts import first_unguarded


class RequireStatementTimeout(Rule):
    """Slow work on an existing table with no ``statement_timeout`` set first (opt-in).

    What it flags
    -------------
    The first statement of a migration that scans, rewrites or writes a table the migration
    did not create (an index build, a validating constraint, a type change, ``SET NOT
    NULL``, ``UPDATE``/``DELETE``, ``VACUUM FULL``, …) when no ``SET statement_timeout``
    comes before it. Opt-in: ``enable = ["require-statement-timeout"]``.

    Why it hurts
    ------------
    Such a statement holds its lock for as long as it runs. Without a timeout a migration
    that turns out to be slow in production keeps the table locked until someone notices
    and cancels it by hand.

    Do this instead
    ---------------
    Bound the migration's statements::

        def upgrade():
            op.execute("SET LOCAL statement_timeout = '30s'")
            op.create_check_constraint("ck_orders_total", "orders", "total >= 0")
    """

    id = "require-statement-timeout"
    severity = "warning"
    summary = "slow statement on an existing table without SET statement_timeout first"
    help = "Start the migration with op.execute(\"SET LOCAL statement_timeout = '30s'\")."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        found = first_unguarded(migration, "statement_timeout", slow_only=True)
        if found is not None:
            statement, table = found
            yield Violation(
                statement,
                f"Runs possibly slow work on existing table `{table}` with no "
                "`statement_timeout` set, so nothing stops it holding its lock for long.",
            )
