"""Rule ``default-rewrite-before-pg11``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f

FAST_DEFAULT_SINCE = 11


class DefaultRewriteBeforePg11(Rule):
    """A column added with a DEFAULT on PostgreSQL 10 (``pg_version = 10``).

    What it flags
    -------------
    ``ADD COLUMN … DEFAULT …`` on a table this migration did not create, when
    ``pg_version`` is below 11. On 11 and newer a constant default is stored once in the
    catalogue and this rule is silent (``volatile-default`` still covers volatile ones).

    Why it hurts
    ------------
    Before PostgreSQL 11 any default is written into every existing row: the whole table
    is rewritten under ACCESS EXCLUSIVE, blocking reads and writes until it is done.

    Do this instead
    ---------------
    Add the column without a default, set the default for new rows, then backfill in
    batches::

        op.add_column("orders", sa.Column("flag", sa.Boolean(), nullable=True))
        op.alter_column("orders", "flag", server_default=sa.false())
    """

    id = "default-rewrite-before-pg11"
    severity = "warning"
    summary = "column added with a DEFAULT rewrites the table (PostgreSQL 10)"
    help = "Add the column without a default, SET DEFAULT afterwards, backfill in batches."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.settings.pg_version >= FAST_DEFAULT_SINCE:
            return
        for statement, fact in migration.each(f.AddColumn):
            if fact.column.default is None or migration.is_new_table(fact.table, statement.index):
                continue
            yield Violation(
                statement,
                f"On PostgreSQL {migration.settings.pg_version}, adding `{fact.column.name}` "
                f"with a default rewrites every row of `{fact.table}` under ACCESS EXCLUSIVE.",
            )
