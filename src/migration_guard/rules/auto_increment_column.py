"""Rule ``auto-increment-column``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class AutoIncrementColumn(Rule):
    """A serial or identity column added to an existing table.

    What it flags
    -------------
    ``ADD COLUMN … serial | bigserial | GENERATED … AS IDENTITY`` (with or without
    ``PRIMARY KEY``) on a table this migration did not create.

    Why it hurts
    ------------
    Every existing row needs its own value from the sequence, so PostgreSQL rewrites the
    whole table under ACCESS EXCLUSIVE; with ``PRIMARY KEY`` it then also builds the
    index under that lock. Reads and writes wait for all of it. This rule is the one that
    reports such a column: ``volatile-default`` and ``primary-key-without-index`` leave it
    to this rule, so ``ADD COLUMN id serial PRIMARY KEY`` is one finding.

    Do this instead
    ---------------
    Add a nullable column, backfill it in batches, index it concurrently, then attach the
    default and the constraint::

        op.add_column("events", sa.Column("seq", sa.BigInteger(), nullable=True))
        op.execute("CREATE SEQUENCE events_seq_seq OWNED BY events.seq")
        op.execute("ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq')")
    """

    id = "auto-increment-column"
    severity = "warning"
    summary = "serial/identity column added to an existing table (table rewrite)"
    help = "Add a plain nullable column, backfill it in batches, then attach a sequence default."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.AddColumn):
            column = fact.column
            auto = column.identity or column.base_type in f.SERIAL_TYPES
            if auto and not migration.is_new_table(fact.table, statement.index):
                yield Violation(
                    statement,
                    f"Adding auto-increment column `{column.name}` to existing table "
                    f"`{fact.table}` rewrites every row under ACCESS EXCLUSIVE.",
                )
