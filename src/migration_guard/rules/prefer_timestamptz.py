"""Rule ``prefer-timestamptz``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.column_types import full_type, typed_columns
from migration_guard.sql import facts as f


class PreferTimestamptz(Rule):
    """A ``timestamp`` column without time zone (opt-in).

    What it flags
    -------------
    ``timestamp`` / ``timestamp without time zone`` columns. Opt-in:
    ``enable = ["prefer-timestamptz"]``.

    Why it hurts
    ------------
    A timestamp without time zone stores wall-clock time with no offset: values written by
    servers or sessions in different zones mix silently, and comparisons around daylight
    saving changes go wrong. ``timestamptz`` stores an instant.

    Do this instead
    ---------------
    Use a time-zone-aware column::

        op.add_column("orders", sa.Column("placed_at", sa.DateTime(timezone=True)))
    """

    id = "prefer-timestamptz"
    severity = "warning"
    summary = "timestamp without time zone where timestamptz stores an instant"
    help = "Use sa.DateTime(timezone=True) (timestamptz)."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, table, column in typed_columns(migration):
            if _without_time_zone(column):
                yield Violation(
                    statement,
                    f"`{table}.{column.name}` is `{full_type(column)}`: use `timestamptz`, which stores an instant.",
                )


def _without_time_zone(column: f.Column) -> bool:
    base = column.base_type
    return (
        base.startswith("timestamp")
        and base != "timestamptz"
        and ("with time zone" not in column.type)
    )
