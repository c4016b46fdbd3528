"""Rule ``unique-without-index``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class UniqueWithoutIndex(Rule):
    """A UNIQUE constraint added to an existing table that builds its own index.

    What it flags
    -------------
    ``ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)`` and ``ADD COLUMN … UNIQUE`` on a table this
    migration did not create. ``ADD CONSTRAINT … UNIQUE USING INDEX idx`` is the safe form
    and is not flagged.

    Why it hurts
    ------------
    The constraint builds a unique index while holding an ACCESS EXCLUSIVE lock on the table:
    no reads or writes until the index is built.

    Do this instead
    ---------------
    Build the unique index concurrently, then attach it as the constraint::

        with op.get_context().autocommit_block():
            op.create_index("uq_users_email", "users", ["email"], unique=True,
                            postgresql_concurrently=True)
        op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email "
                   "UNIQUE USING INDEX uq_users_email")
    """

    id = "unique-without-index"
    severity = "warning"
    summary = "UNIQUE constraint added without an index built concurrently first"
    help = "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.AddConstraint):
                    constraint = fact.constraint
                    if constraint.kind != "unique" or constraint.using_index is not None:
                        continue
                    columns = ", ".join(f"`{c}`" for c in constraint.columns) or "its columns"
                    message = (
                        f"UNIQUE constraint on `{fact.table}` ({columns}) builds its index "
                        "under an ACCESS EXCLUSIVE lock."
                    )
                elif isinstance(fact, f.AddColumn) and fact.column.unique:
                    message = (
                        f"Column `{fact.table}.{fact.column.name}` is added UNIQUE, which builds "
                        "an index under an ACCESS EXCLUSIVE lock."
                    )
                else:
                    continue
                if not migration.is_new_table(fact.table, statement.index):
                    yield Violation(statement, message)
