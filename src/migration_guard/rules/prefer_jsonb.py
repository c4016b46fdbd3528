"""Rule ``prefer-jsonb``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.column_types import full_type, typed_columns


class PreferJsonb(Rule):
    """A ``json`` column where ``jsonb`` is meant (opt-in).

    What it flags
    -------------
    ``json`` columns. Opt-in: ``enable = ["prefer-jsonb"]``.

    Why it hurts
    ------------
    ``json`` keeps the raw text: it has no equality operator, so ``SELECT DISTINCT``,
    ``UNION`` and ``GROUP BY`` over the row fail, it cannot be indexed with GIN, and every
    read re-parses it. ``jsonb`` does all of these.

    Do this instead
    ---------------
    Use ``postgresql.JSONB``::

        op.add_column("events", sa.Column("payload", postgresql.JSONB()))
    """

    id = "prefer-jsonb"
    severity = "warning"
    summary = "json column where jsonb has equality and indexes"
    help = "Use sqlalchemy.dialects.postgresql.JSONB."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, table, column in typed_columns(migration):
            if column.base_type == "json":
                yield Violation(
                    statement,
                    f"`{table}.{column.name}` is `{full_type(column)}`: use `jsonb` (equality, GIN indexes, no re-parsing).",
                )
